"""`signoff lock INPUT -o OUT`: the command line of `trust.lock`, mounted by `trust.cli`.

Exit codes as for `check`: 0 when every requirement kept a vetted file, 1 when some requirement
has none (OUT is still written, with it commented out), 2 for bad input, policy or registry
(raised as `SignoffError`; `trust.cli.main` prints it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from signoff.attest.errors import InputError
from signoff.trust.cli.options import PolicyOption
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.lock import LockResult, lock, lock_pylock, lock_requirements
from signoff.trust.policy.policy import DEFAULT_POLICY, load_policy


def lock_command(
    given: Annotated[Path | None, typer.Argument(
        metavar="INPUT", help="A requirements file (*.txt, *.in) or a pylock.toml.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Where to write the vetted lock (may be INPUT itself).")] = None,
    requirement: Annotated[Path | None, typer.Option(
        "-r", "--requirement", help="A requirements file, when its name does not say so.")]
        = None,
    pylock: Annotated[Path | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
) -> None:
    """Write INPUT with only the files that pass the policy, for `pip install --require-hashes`."""
    chosen = [p for p in (given, requirement, pylock) if p is not None]
    if len(chosen) != 1:
        raise InputError("give exactly one input: INPUT, -r FILE or --pylock FILE")
    if output is None:
        raise InputError("give the output file with -o OUT")
    loaded = load_policy(policy)
    session = CheckSession.open(loaded)
    try:
        if requirement is not None:
            result = lock_requirements(requirement, session.check, output)
        elif pylock is not None:
            result = lock_pylock(pylock, session.check, output)
        else:
            result = lock(chosen[0], session.check, output)
    finally:
        session.close()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in result.report.warnings:
        err.print(f"warning: {warning}", markup=False)
    typer.echo(summary(result))
    raise typer.Exit(0 if result.passed else 1)


def summary(result: LockResult) -> str:
    """The human text `lock` prints: counts, then each requirement left without a vetted file."""
    kept = sum(1 for f in result.files if f.kept)
    lines = [f"wrote {result.output}: {kept} of {len(result.files)} files vetted, "
             f"{len(result.unvetted)} requirements without a vetted file"]
    lines += [f"  {u.source}: {u.reason}" for u in result.unvetted]
    dropped = [f for f in result.files if not f.kept]
    if dropped:
        lines.append("dropped files:")
        lines += [f"  {f.file.source} {f.file.filename or f.file.sha256[:16]}: {f.reason}"
                  for f in dropped]
    return "\n".join(lines)
