"""Reading a small file that a user or a registry hands us, without trusting what it is."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from signoff.attest.errors import InputError


def read_bounded(path: Path, what: str, max_bytes: int,
                 error: type[InputError] = InputError) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; `error` naming the file otherwise.

    Never more than `max_bytes + 1` bytes are read, so /dev/zero is refused, not swallowed.
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            # fstat on the open file, so the check and the read see the same file.
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise error(f"{what} is not a regular file", file=path)
            data = f.read(max_bytes + 1)
    except FileNotFoundError as e:
        raise error(f"{what} not found", file=path) from e
    except IsADirectoryError as e:
        raise error(f"{what} is a directory", file=path) from e
    except OSError as e:
        raise error(f"cannot read {what}: {e.strerror}", file=path) from e
    if len(data) > max_bytes:
        raise error(f"{what} is larger than {max_bytes} bytes", file=path)
    return data


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` all at once: readers see the old file or the new, never
    half of one. The temporary file sits beside the target so the rename stays on one disk.

    The file gets the mode any other program would give it (0666 less the umask), not
    mkstemp's 0600: work-tree files, lock files and sites are meant to be shared."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~current_umask())
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def current_umask() -> int:
    """The process's umask, read from /proc where it can be, so that nothing changes it."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    # Elsewhere the only way to read it is to set it; put it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
def xdg_dir(variable: str, fallback: str) -> Path:
    """`$<variable>/signoff` (an XDG base directory, when absolute), else `~/<fallback>/signoff`."""
    base = os.environ.get(variable)
    root = Path(base) if base and os.path.isabs(base) else Path.home() / fallback
    return root / "signoff"
