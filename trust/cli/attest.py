"""`signoff attest`: sign an attestation about release files and commit it to a registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from signoff.attest.errors import InputError
from signoff.attest.gpg import UserGnuPG
from signoff.attest.model import Verdict
from signoff.registry.commit_signing import CommitSigning
from signoff.registry.sign import subject_for_file, subject_for_hash, vouch
from signoff.trust.cli.options import FormatOption, OutputFormat, print_json
from signoff.trust.cli.registry import GnupgOption, RegistryOption, SignOption, open_registry


def attest_command(
    files: Annotated[list[Path] | None, typer.Argument(
        metavar="FILE", help="Release files to vouch for.")] = None,
    criteria: Annotated[str, typer.Option(
        metavar="NAME[,NAME...]",
        help="Comma-separated criteria: certified (approve) or violated (--reject).")] = "",
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve.")] = False,
    allow_unknown_criteria: Annotated[bool, typer.Option(
        "--allow-unknown-criteria", help="Sign criteria that are neither built in nor "
        "declared in registry.yaml.")] = False,
    withdraw: Annotated[bool, typer.Option(
        "--withdraw", help="Take back your earlier statement about the files: it then counts "
        "neither for nor against.")] = False,
    comment: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Free text kept in the statement.")] = None,
    key: Annotated[str | None, typer.Option(
        metavar="KEY",
        help="Signing key: fingerprint, 16-hex key ID, email or user ID (default: gpg's).")
        ] = None,
    project: Annotated[str | None, typer.Option(
        metavar="NAME", help="Project, when the name misleads.")] = None,
    version: Annotated[str | None, typer.Option(
        metavar="VERSION", help="Version, when the name misleads.")] = None,
    sha256: Annotated[str | None, typer.Option(
        metavar="HEX", help="Vouch by hash, without the file.")] = None,
    size: Annotated[int | None, typer.Option(
        metavar="BYTES", help="Size in bytes, with --sha256.")] = None,
    filename: Annotated[str | None, typer.Option(
        metavar="NAME", help="File name, with --sha256.")] = None,
    registry: RegistryOption = None,
    gnupghome: GnupgOption = None,
    sign: SignOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Sign an attestation about release files and commit it to the registry."""
    by_hash = sha256 is not None or size is not None or filename is not None
    if by_hash and files:
        raise InputError("give either FILE... or --sha256/--size/--filename, not both")
    if by_hash:
        if sha256 is None or size is None or filename is None:
            raise InputError("--sha256 needs --size and --filename too")
        subjects = [subject_for_hash(filename, sha256, size, project, version)]
    elif files:
        subjects = [subject_for_file(f, project, version) for f in files]
    else:
        raise InputError("nothing to attest: give FILE... or --sha256 --size --filename")
    names = tuple(c.strip() for c in criteria.split(",") if c.strip())
    if withdraw and reject:
        raise InputError("give --withdraw or --reject, not both")
    verdict = (Verdict.WITHDRAWN if withdraw else Verdict.REJECTED if reject
               else Verdict.APPROVED)
    reg = open_registry(registry, CommitSigning(sign, gnupghome))
    user = UserGnuPG(gnupghome)
    signer = user.signing_key(key)
    label = next((k.label for k in user.secret_keys() if k.fingerprint == signer), signer)
    records = []
    for subject in subjects:
        done = vouch(reg, user, subject, verdict=verdict, criteria=names, comment=comment,
                     key=signer, allow_unknown_criteria=allow_unknown_criteria)
        records.append({"verdict": done.attestation.verdict.value, "filename": subject.filename,
                        "sha256": subject.sha256, "signer": done.attestation.signer,
                        "path": done.path, "commit": done.commit, "added_key": done.added_key})
        if output is OutputFormat.JSON:
            continue
        typer.echo(f"{done.attestation.verdict.value} {subject.filename} "
                   f"({subject.sha256[:12]}…) as {label}: committed "
                   f"{done.path} in {done.commit[:12]}"
                   + (" with your public key" if done.added_key else ""))
    if output is OutputFormat.JSON:
        print_json({"attested": records})
