"""Files that readers never see half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: read once, at import (setting and restoring the umask is not safe while other threads create files)
_UMASK = _umask()


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: a reader never sees half a file.  The file gets
    the permissions of a plainly created one (``mkstemp`` makes it owner-only); a failed write leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
