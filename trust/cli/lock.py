"""`signoff lock INPUT -o OUT`: write INPUT with only the files that pass the policy.

Exit codes as for `check`: 0 when every requirement kept a vetted file, 1 when some requirement
has none (OUT is still written, with it pinned but without any hash, so pip refuses it), 2 for
bad input, policy or registry (raised as `SignoffError`; `trust.cli.main` prints it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from signoff import (
    DEFAULT_POLICY,
    InputError,
    LockInputKind,
    LockResult,
    load_policy,
    lock,
    open_registries,
)
from signoff.trust.cli.options import (
    AbiOption,
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    ImplementationOption,
    IndexUrlOption,
    InterpreterOption,
    OfflineOption,
    OutputFormat,
    PlatformOption,
    PolicyOption,
    PythonVersionOption,
    StateDirOption,
    fetch_mode,
    print_warnings,
    target_of,
)
from signoff.trust.report.interface import Renderer
from signoff.trust.report.lock import LockJson, LockText


def lock_command(
    output: Annotated[Path, typer.Option(
        "-o", "--output", metavar="FILE",
        help="Where to write the vetted lock (may be INPUT itself): a pylock.toml when so "
        "named, else a requirements file.")],
    given: Annotated[Path | None, typer.Argument(
        metavar="INPUT", help="A requirements file (*.txt, *.in), pylock.toml, uv.lock or pip "
        "report (*.json).")] = None,
    requirement: Annotated[Path | None, typer.Option(
        "-r", "--requirement", metavar="FILE",
        help="A requirements file, when its name does not say so.")] = None,
    pylock: Annotated[Path | None, typer.Option(
        metavar="FILE", help="A PEP 751 pylock.toml.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
    output_format: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    python_version: PythonVersionOption = None,
    platform: PlatformOption = None,
    implementation: ImplementationOption = None,
    abi: AbiOption = None,
    target_from_interpreter: InterpreterOption = None,
    index_url: IndexUrlOption = None,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Write INPUT with only the files that pass the policy, for `pip install --require-hashes`."""
    target = target_of(python_version, platform, implementation, abi, target_from_interpreter)
    chosen = [p for p in (given, requirement, pylock) if p is not None]
    if len(chosen) != 1:
        raise InputError("give exactly one input: INPUT, -r FILE or --pylock FILE")
    loaded = load_policy(policy)
    with open_registries(loaded, state_dir=state_dir, accept_rewrite=accept_rewrite,
                         fetch=fetch_mode(fetch, offline)) as session:
        session.require_known_trust_keys()
        kind: LockInputKind = "requirements" if requirement else "pylock" if pylock else "detect"
        result = lock(session, chosen[0], output, kind, target, index_url)
    print_warnings(result.report.warnings)
    renderer: Renderer[LockResult] = (LockJson() if output_format is OutputFormat.JSON
                                      else LockText())
    sys.stdout.write(renderer.render(result))
    raise typer.Exit(0 if result.passed else 1)
