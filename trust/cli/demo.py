"""`signoff demo`: a throwaway registry, keys, files and policy, then a check of them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from signoff import gather_inputs, load_policy
from signoff.trust.cli.check import CheckFormat, render, run_check
from signoff.trust.cli.options import FormatOption, OutputFormat, print_json
from signoff.trust.demo.demo import build_demo
from signoff.trust.report.json_report import report_document


def demo_command(
    folder: Annotated[Path, typer.Option(
        "--dir", metavar="DIR", help="Where to build the demo.")] = Path("signoff-demo"),
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Build a throwaway registry, keys, files and policy, then check them."""
    sys.stderr.write(f"building the demo in {folder}/ (real gpg keys, real git, real wheels)…\n")
    built = build_demo(folder)
    if output is OutputFormat.JSON:
        policy = load_policy(built.policy)
        files, problems = gather_inputs([built.dist])
        print_json({"keys": built.keys, "registry": str(built.registry),
                    "policy": str(built.policy), "dist": str(built.dist),
                    "check": report_document(run_check(policy, files, problems))})
        return
    for name, fpr in built.keys.items():
        typer.echo(f"  key {name:<14} {fpr}  (short id {fpr[-16:]})")
    typer.echo(f"\n$ signoff check {built.dist} --policy {built.policy}\n")
    policy = load_policy(built.policy)
    files, problems = gather_inputs([built.dist])
    report = run_check(policy, files, problems)
    typer.echo(render(report, CheckFormat.TEXT))
    typer.echo(f"The check exits {0 if report.passed else 1}: some files pass and some do not, "
               "as intended.\nExplore it:\n"
               f"  git -C {built.registry} log --stat\n"
               f"  signoff check -r {built.requirements} --policy {built.policy} --format json\n"
               f"  GNUPGHOME={built.gnupghome} signoff attest --registry {built.registry} "
               f"--key {built.keys['bob']} --criteria safe-to-deploy "
               f"{built.dist}/tinyhttp-1.0.0.tar.gz")
