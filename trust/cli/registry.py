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
from signoff.registry.signoff_source import FORMS, SignoffSource, installed_source, parse_source
from signoff.registry.sync import sync
from signoff.registry.templates import pages_template_files, template_files
from signoff.registry.validate import validate
from signoff.trust.cli.options import FormatOption, OutputFormat, print_json

app = typer.Typer(help="Create and maintain a registry of attestations.", no_args_is_help=True)

RegistryOption = Annotated[Path | None, typer.Option(
    "--registry", metavar="DIR",
    help="Registry checkout (default: the current directory, if it holds "
    "registry.yaml).")]
GnupgOption = Annotated[Path | None, typer.Option(
    "--gnupghome", metavar="DIR", help="Your GnuPG home (default: $GNUPGHOME, else ~/.gnupg).")]
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


SignoffSourceOption = Annotated[str | None, typer.Option(
    "--signoff-source", metavar="SPEC", envvar="SIGNOFF_SOURCE",
    help="Where the registry's CI installs signoff from, pinned: 'signoff==VERSION "
    "--hash=sha256:HEX', 'URL#sha256=HEX' (a wheel or sdist), or 'git+URL@COMMIT' (40 hex).",
    show_default="how this signoff was installed, if from a pinned https or git source")]


def ci_source(spec: str | None) -> SignoffSource:
    """The pinned source a new registry's CI installs signoff from (see `signoff_source`)."""
    if spec:
        return parse_source(spec)
    found = installed_source()
    if found is None:
        raise InputError("no --signoff-source given, and this signoff was not installed from a "
                         "pinned source that CI can reach (a git commit or an https archive "
                         "with its sha256)",
                         hint="pass --signoff-source with one of: " + "; ".join(FORMS))
    return found


@app.command("init")
def init(path: Annotated[Path, typer.Argument(
            metavar="DIR", help="Where to create the registry (a new or empty folder).")],
         name: Annotated[str | None, typer.Option(
             metavar="NAME", help="Registry name (default: the folder's name).")] = None,
         pages_root: Annotated[list[str] | None, typer.Option(
             "--pages-root", metavar="FPR",
             help="Also add a workflow publishing the site and a vetted index "
             "to GitHub Pages, judged under a policy trusting this key.")] = None,
         signoff_source: SignoffSourceOption = None,
         sign: SignOption = None, gnupghome: GnupgOption = None,
         output: FormatOption = OutputFormat.TEXT,
         ) -> None:
    """Create a new registry: a git repository with registry.yaml and templates."""
    source = ci_source(signoff_source)
    files = template_files(source)
    if pages_root:
        try:
            roots = [normalize_fingerprint(f) for f in pages_root]
        except ValueError as e:
            raise InputError(f"--pages-root: {e}") from e
        files.update(pages_template_files(roots, source))
    registry = Registry.init(path, name or path.resolve().name, files,
                             CommitSigning(sign, gnupghome))
    head = str(registry.head_commit().id)
    if output is OutputFormat.JSON:
        print_json({"registry": str(path), "commit": head, "files": sorted(files),
                    "signoff_source": source.spec()})
    else:
        typer.echo(f"created registry {path} at {head}; its CI installs signoff from "
                   f"{source.spec()}")


@app.command("add-key")
def add_key(key: Annotated[str, typer.Argument(
                metavar="KEY", help="The key: its fingerprint, 16-hex key ID, email or user ID.")],
            registry: RegistryOption = None, gnupghome: GnupgOption = None,
            sign: SignOption = None, output: FormatOption = OutputFormat.TEXT) -> None:
    """Export a public key from your GnuPG into keys/<FPR>.asc and commit it."""
    reg = open_registry(registry, CommitSigning(sign, gnupghome))
    user = UserGnuPG(gnupghome)
    found = user.public_key(key)
    fingerprint = found.fingerprint
    commit = reg.add_key(fingerprint, user.export_public_key(fingerprint))
    if output is OutputFormat.JSON:
        print_json({"key": fingerprint, "path": f"keys/{fingerprint}.asc",
                    "commit": str(commit) if commit is not None else None})
    elif commit is None:
        typer.echo(f"keys/{fingerprint}.asc ({found.label}) is already up to date")
    else:
        typer.echo(f"committed keys/{fingerprint}.asc ({found.label}) as {commit}")


@app.command("sync")
def sync_command(
    registry: RegistryOption = None,
    upstream: Annotated[str | None, typer.Option(
        metavar="URL",
        help="Upstream URL or path (default: the `upstream` remote already set).")] = None,
    branch: Annotated[str, typer.Option(
        metavar="BRANCH", help="Upstream branch to merge.")] = "main",
    accept_rewrite: Annotated[bool, typer.Option(
        "--accept-rewrite", help="Accept an upstream head that does not descend from the last "
        "one verified (an announced rewrite).")] = False,
    state_dir: Annotated[Path | None, typer.Option(
        "--state-dir", metavar="DIR", help="Where verified heads are recorded (default: "
        "$XDG_STATE_HOME/signoff).")] = None,
    sign: SignOption = None,
    gnupghome: GnupgOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Fetch the upstream registry and merge it into this fork's current branch."""
    reg = open_registry(registry)
    result = sync(reg.repo, upstream, branch, accept_rewrite, state_dir,
                  CommitSigning(sign, gnupghome))
    if output is OutputFormat.JSON:
        print_json({"outcome": result.outcome.value, "branch": result.branch,
                    "before": result.before, "after": result.after,
                    "upstream_head": result.upstream_head})
        return
    typer.echo(f"{result.outcome.value}: {result.branch} {result.before[:12]} -> "
               f"{result.after[:12]} (upstream {result.upstream_head[:12]})")


class ValidateFormat(StrEnum):
    """How `validate` prints its findings."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


@app.command("validate")
def validate_command(
    base: Annotated[str, typer.Option(
        metavar="REV", help="The pull request's base (e.g. origin/main).")],
    head: Annotated[str, typer.Option(
        metavar="REV", help="The pull request's head commit.")],
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
