"""Every deployment input of one run, read into release files and problems."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from signoff.attest.errors import InputError
from signoff.trust.inputs.interface import DeploymentInput, detect_input
from signoff.trust.inputs.pip_report import PipReportInput
from signoff.trust.inputs.pylock import PylockInput
from signoff.trust.inputs.requirements import RequirementsInput
from signoff.trust.inputs.uv_lock import UvLockInput
from signoff.trust.release import InputProblem, ReleaseFile


def gather_inputs(paths: Sequence[Path], requirements: Sequence[Path] = (),
                  pylock: Sequence[Path] = (), pip_report: Sequence[Path] = (),
                  uv_lock: Sequence[Path] = ()) -> tuple[list[ReleaseFile], list[InputProblem]]:
    """Read every input: `paths` by their kind (file, folder, requirements, lock or report),
    the others as named. Raises InputError when there is nothing to read."""
    inputs: list[DeploymentInput] = [detect_input(p) for p in paths]
    inputs += [RequirementsInput(p) for p in requirements]
    inputs += [PylockInput(p) for p in pylock]
    inputs += [PipReportInput(p) for p in pip_report]
    inputs += [UvLockInput(p) for p in uv_lock]
    if not inputs:
        raise InputError("nothing to check: give release files, folders, or -r requirements.txt")
    files: list[ReleaseFile] = []
    problems: list[InputProblem] = []
    for item in inputs:
        contents = item.read()
        files.extend(contents.files)
        problems.extend(contents.problems)
    return files, problems
