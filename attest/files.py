"""Reading a small file that a user or a registry hands us, without trusting what it is."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from attest.errors import InputError


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
