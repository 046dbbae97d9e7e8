"""Turn a requested file name into a path that is guaranteed to stay in a folder.

The router hands over an already percent-decoded name, so `%2e%2e` arrives
here as `..`. Anything that could leave the folder, or that only a
non-canonical URL would produce, is refused by raising `HTTPException(404)`:
a 404 reveals nothing about what exists outside the folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from heron.http.exceptions import HTTPException

__all__ = ["resolve_in"]

# Characters no static file name may contain: NUL (truncates C strings),
# backslash (a separator on Windows) and colon (drive letters and NTFS
# alternate data streams).
_FORBIDDEN = ("\x00", "\\", ":")


def _not_found() -> HTTPException:
    return HTTPException(404)


def resolve_in(
    root: str, filename: str, *, follow_symlinks: bool = False
) -> tuple[Path, os.stat_result]:
    """The regular file `filename` under the real folder `root`, and its stat.

    `root` must already be a real path (symlinks resolved). Symbolic links
    inside the folder are followed only while their target stays in it,
    unless `follow_symlinks` is set.
    """
    if not filename or filename[0] == "/" or any(ch in filename for ch in _FORBIDDEN):
        raise _not_found()
    parts = filename.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise _not_found()
    candidate = os.path.join(root, *parts)
    if not follow_symlinks:
        real = os.path.realpath(candidate)
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            raise _not_found()
        candidate = real
    try:
        st = os.stat(candidate)
    except (OSError, ValueError):
        raise _not_found() from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_found()
    return Path(candidate), st
