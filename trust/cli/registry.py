"""`signoff registry ...`: create a registry, add keys, sync a fork, validate a pull request."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from signoff.attest.errors import InputError
from signoff.attest.gpg import UserGnuPG
from signoff.attest.names import normalize_fingerprint
from signoff.registry.commit_signing import CommitSigning
from signoff.registry.layout import REGISTRY_FILE
from signoff.registry.repo import Registry
from signoff.registry.sync import sync
from signoff.registry.validate import validate

app = typer.Typer(help="Create and maintain a registry of attestations.", no_args_is_help=True)

RegistryOption = Annotated[Path | None, typer.Option(
    "--registry", help="Registry checkout (default: the current directory, if it holds "
    "registry.yaml).")]
GnupgOption = Annotated[Path | None, typer.Option(
    "--gnupghome", help="Your GnuPG home (default: $GNUPGHOME, else ~/.gnupg).")]
SignOption = Annotated[bool | None, typer.Option(
    "--sign/--no-sign", help="Sign the commit with your gpg, or not (default: git config "
    "commit.gpgsign, with user.signingkey and gpg.program).", show_default=False)]


def open_registry(path: Path | None, signing: CommitSigning | None = None) -> Registry:
    """The registry at `path`, or in the current directory when it holds registry.yaml; its
    commits are signed as `signing` says."""
    registry = _open_registry(path)
    if signing is not None:
        registry.signing = signing
    return registry


def _open_registry(path: Path | None) -> Registry:
    if path is None:
        if not Path(REGISTRY_FILE).is_file():
            raise InputError("no --registry given and the current directory holds no "
                                f"{REGISTRY_FILE}", hint="pass --registry PATH")
        path = Path(".")
    return Registry.open(path)


def _template_files() -> dict[str, bytes]:
    try:
        from signoff.registry.templates import (  # type: ignore[import-not-found,unused-ignore]
            template_files,
        )
    except ImportError:
        return {}
    files: dict[str, bytes] = template_files()
    return files


@app.command("init")
def init(path: Path, name: Annotated[str | None, typer.Option(
        help="Registry name (default: the folder's name).")] = None,
         pages_root: Annotated[list[str] | None, typer.Option(
             "--pages-root", help="Also add a workflow publishing the site and a vetted index "
             "to GitHub Pages, judged under a policy trusting this key (repeatable).")] = None,
         sign: SignOption = None, gnupghome: GnupgOption = None) -> None:
    """Create a new registry: a git repository with registry.yaml and templates."""
    files = _template_files()
    if pages_root:
        from signoff.registry.templates import pages_template_files
        try:
            roots = [normalize_fingerprint(f) for f in pages_root]
        except ValueError as e:
            raise InputError(f"--pages-root: {e}") from e
        files.update(pages_template_files(roots))
    registry = Registry.init(path, name or path.resolve().name, files,
                             CommitSigning(sign, gnupghome))
    typer.echo(f"created registry {path} at {registry.head_commit().id}")


@app.command("add-key")
def add_key(key: Annotated[str, typer.Argument(
                help="The key: its fingerprint, 16-hex key ID, email or user ID.")],
            registry: RegistryOption = None, gnupghome: GnupgOption = None,
            sign: SignOption = None) -> None:
    """Export a public key from your GnuPG into keys/<FPR>.asc and commit it."""
    reg = open_registry(registry, CommitSigning(sign, gnupghome))
    user = UserGnuPG(gnupghome)
    found = user.public_key(key)
    fingerprint = found.fingerprint
    commit = reg.add_key(fingerprint, user.export_public_key(fingerprint))
    if commit is None:
        typer.echo(f"keys/{fingerprint}.asc ({found.label}) is already up to date")
    else:
        typer.echo(f"committed keys/{fingerprint}.asc ({found.label}) as {commit}")


@app.command("sync")
def sync_command(
    registry: RegistryOption = None,
    upstream: Annotated[str | None, typer.Option(
        help="Upstream URL or path (default: the `upstream` remote already set).")] = None,
    branch: Annotated[str, typer.Option(help="Upstream branch to merge.")] = "main",
    accept_rewrite: Annotated[bool, typer.Option(
        "--accept-rewrite", help="Accept an upstream head that does not descend from the last "
        "one verified (an announced rewrite).")] = False,
    state_dir: Annotated[Path | None, typer.Option(
        "--state-dir", help="Where verified heads are recorded (default: "
        "$XDG_STATE_HOME/signoff).")] = None,
    sign: SignOption = None,
    gnupghome: GnupgOption = None,
) -> None:
    """Fetch the upstream registry and merge it into this fork's current branch."""
    reg = open_registry(registry)
    result = sync(reg.repo, upstream, branch, accept_rewrite, state_dir,
                  CommitSigning(sign, gnupghome))
    typer.echo(f"{result.outcome.value}: {result.branch} {result.before[:12]} -> "
               f"{result.after[:12]} (upstream {result.upstream_head[:12]})")


class ValidateFormat(StrEnum):
    """How `validate` prints its findings."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


@app.command("validate")
def validate_command(
    base: Annotated[str, typer.Option(help="The pull request's base (e.g. origin/main).")],
    head: Annotated[str, typer.Option(help="The pull request's head commit.")],
    registry: RegistryOption = None,
    output: Annotated[ValidateFormat, typer.Option(
        "--format", help="text, json, or github (workflow annotations).")] = ValidateFormat.TEXT,
    allow_removals: Annotated[bool, typer.Option(
        "--allow-removals", help="For maintainers only: let the change delete attestations "
        "or keys.")] = False,
    allow_registry_files: Annotated[bool, typer.Option(
        "--allow-registry-files", help="For maintainers only: let the change edit "
        "registry.yaml, README.md, CONTRIBUTING.md or .github/.")] = False,
) -> None:
    """Check a pull request's changes: exit 0 if it can be merged, 1 if not."""
    reg = open_registry(registry)
    report = validate(reg.repo, base, head, allow_removals=allow_removals,
                      allow_registry_files=allow_registry_files)
    if output is ValidateFormat.JSON:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        for finding in (*report.findings, *report.warnings):
            typer.echo(finding.github() if output is ValidateFormat.GITHUB else finding.text())
        summary = (f"{report.statements} statement(s) and {report.keys} key file(s) checked: "
                   + ("can be merged" if report.ok else f"{len(report.findings)} problem(s)"))
        typer.echo(summary if output is ValidateFormat.TEXT else f"::notice::{summary}")
    raise typer.Exit(0 if report.ok else 1)
