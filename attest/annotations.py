"""GitHub Actions workflow annotations (`::error file=F,line=N::message`), escaped as the
runner expects: shared by `registry validate` and `check --format github`."""

from __future__ import annotations


def github_annotation(level: str, message: str, file: str | None = None,
                      line: int | None = None) -> str:
    """One workflow command: `::LEVEL file=F,line=N::message` (`level`: error, warning,
    notice)."""
    props = []
    if file is not None:
        props.append(f"file={_escape_property(file)}")
        if line is not None:
            props.append(f"line={line}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
