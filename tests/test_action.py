"""The deployers' GitHub Action (action.yml at the repository root): it passes zizmor, and its
`check` step, run locally with bash and the environment the Action gives it, annotates the lock
file's lines, writes a Markdown job summary, and exits as `signoff check` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from signoff.trust.report.markdown import cell, code
from tests.builder import RegistryBuilder
from tests.dists import hashed_requirements
from tests.harness.cli import run_cli
from tests.test_templates_zizmor import zizmor

ACTION = Path(__file__).resolve().parent.parent / "action.yml"


def _action() -> dict[Any, Any]:
    loaded = yaml.safe_load(ACTION.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _zizmor(path: Path, persona: str = "regular") -> subprocess.CompletedProcess[str]:
    return subprocess.run([zizmor(), "--offline", f"--persona={persona}", "--no-progress",
                           str(path)], capture_output=True, text=True, check=False)


def test_the_action_passes_zizmor_even_as_auditor() -> None:
    for persona in ("regular", "auditor"):
        done = _zizmor(ACTION, persona)
        assert done.returncode == 0 and "No findings" in done.stdout, done.stdout + done.stderr


def test_zizmor_would_catch_an_input_expanded_in_the_script(tmp_path: Path) -> None:
    """The check above can fail: an input pasted into the script is a template injection."""
    bad = tmp_path / "action.yml"
    bad.write_text(ACTION.read_text().replace('args=($SIGNOFF_INPUTS)',
                                              "args=(${{ inputs.inputs }})"))
    done = _zizmor(bad)
    assert done.returncode != 0 and "template-injection" in done.stdout


def test_the_action_is_composite_and_installs_signoff_from_its_own_commit() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    install, check = action["runs"]["steps"]
    assert install["run"] == 'python -m pip install "$GITHUB_ACTION_PATH"'
    assert "${{" not in check["run"]
    assert set(action["inputs"]) == {"inputs", "policy", "state-dir"}


def run_check_step(inputs: dict[str, str], cwd: Path, summary: Path, output: Path
                   ) -> subprocess.CompletedProcess[str]:
    """The Action's `check` step as the runner would run it: its `env:` with the inputs
    substituted, `bash -e` on its script, signoff on PATH."""
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("id") == "check"]
    env = {**os.environ,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    for name, value in step["env"].items():
        expression = value.removeprefix("${{ inputs.").removesuffix(" }}")
        env[name] = inputs.get(expression, _action()["inputs"][expression].get("default", ""))
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run([bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                          cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_check_step_annotates_lines_and_writes_the_summary(builder: RegistryBuilder) -> None:
    tiny = builder.wheel("tinyhttp", "1.0")
    left = builder.wheel("leftpad", "2.0")
    builder.approve("alice", tiny)
    builder.policy(roots=["alice"], signers=1)
    hashed_requirements(builder.tmp / "requirements.txt", tiny, left)
    summary, output = builder.tmp / "summary.md", builder.tmp / "output.txt"
    state = str(builder.tmp / "state")
    done = run_check_step({"inputs": "requirements.txt", "state-dir": state}, builder.tmp,
                          summary, output)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=requirements.txt,line=2::leftpad 2.0")
    assert "no attestations for this file" in errors[0]
    text = summary.read_text()
    assert text.startswith("## signoff check failed\n\n1 passed, 1 failed under policy "
                           f"`{builder.tmp / 'signoff-policy.yaml'}`")
    assert "| tinyhttp | 1.0 |" in text and "| pass |" in text
    assert "| leftpad | 2.0 | sha256:" in text and "| **FAIL** | 0/1 | no attestations" in text
    assert "### leftpad 2.0" in text
    assert output.read_text() == "exit-code=1\n"
    builder.approve("alice", left)
    again = run_check_step({"inputs": "requirements.txt\n", "state-dir": state}, builder.tmp,
                           summary, output)
    assert again.returncode == 0, again.stdout + again.stderr
    assert summary.read_text().count("## signoff check") == 2
    assert output.read_text().endswith("exit-code=0\n")


def test_the_check_step_takes_a_named_policy_and_reports_a_broken_one(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    tiny = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", tiny)
    policy = builder.policy(roots=["alice"], signers=1)
    elsewhere = builder.tmp / "policies" / "prod.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(policy.read_text().replace("path: registry", "path: ../registry"))
    policy.unlink()
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    done = run_check_step({"inputs": f"{tiny.name} ", "policy": str(elsewhere),
                           "state-dir": str(tmp_path / "state")}, builder.dist, summary, output)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "::notice::1 requirement: 1 pass, 0 exempt, 0 fail"
    elsewhere.write_text("signoff: policy/v1\nbogus: 1\n")
    broken = run_check_step({"inputs": tiny.name, "policy": str(elsewhere)}, builder.dist,
                            summary, output)
    assert broken.returncode == 2 and "signoff: error: " in broken.stderr
    assert summary.read_text().endswith("## signoff check could not run\n\n"
                                        "See the log of the step \"check\".\n")
    assert output.read_text().endswith("exit-code=2\n")


def test_check_format_markdown_through_the_cli(builder: RegistryBuilder) -> None:
    tiny = builder.wheel("tinyhttp", "1.0")
    builder.policy(roots=["alice"], signers=1)
    done = run_cli("check", str(tiny), "--policy", str(builder.tmp / "signoff-policy.yaml"),
                   "--state-dir", str(builder.tmp / "state"), "--format", "markdown")
    assert done.returncode == 1
    assert done.stdout.startswith("## signoff check failed\n")
    assert "|---|---|---|---|---|---|" in done.stdout
    assert "- ✗ 0 of 1 trusted approvals for safe-to-deploy" in done.stdout
    assert "- → one more approval" in done.stdout


def test_markdown_cells_stay_in_their_cell() -> None:
    assert cell("a|b\n  c\\") == "a\\|b c\\\\"
    assert code("x`y") == "`` x`y ``" and code("xy") == "`xy`"
