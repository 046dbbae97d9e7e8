"""`StaticFiles`: serve the files of one folder, with cache-busting versions.

The application registers a route `<static_url_path>/<path:filename>` whose
handler calls `await static.serve(request, filename)`; `static_url()` builds
`url_for("static", filename=..., v=static.version(filename))`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from heron.http.exceptions import HTTPException
from heron.http.files import FileResponse
from heron.staticfiles.resolver import resolve_in

if TYPE_CHECKING:
    from heron.http.request import Request

__all__ = ["IMMUTABLE_CACHE_CONTROL", "REVALIDATE_CACHE_CONTROL", "StaticFiles"]

#: Sent when the URL carries the file's current version: it never changes.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: Sent otherwise: caches keep the file but revalidate it (ETag) on each use.
REVALIDATE_CACHE_CONTROL = "no-cache"

_VERSION_LENGTH = 12


def _hash_file(path: Path) -> str:
    with open(path, "rb") as file:
        digest = hashlib.file_digest(file, "sha256")
    return digest.hexdigest()[:_VERSION_LENGTH]


class StaticFiles:
    """The files under `directory`, served safely and versioned by content hash."""

    __slots__ = ("_root", "_versions", "directory", "follow_symlinks")

    def __init__(self, directory: str | os.PathLike[str], *, follow_symlinks: bool = False) -> None:
        self.directory = Path(directory)
        self.follow_symlinks = follow_symlinks
        self._root = os.path.realpath(directory)
        # path -> (mtime_ns, size, version); one entry per file, replaced when it changes.
        self._versions: dict[str, tuple[int, int, str]] = {}

    def __repr__(self) -> str:
        return f"StaticFiles({str(self.directory)!r})"

    def resolve(self, filename: str) -> Path:
        """The file `filename` inside the folder; `HTTPException(404)` for anything else."""
        return resolve_in(self._root, filename, follow_symlinks=self.follow_symlinks)[0]

    def _cached_version(self, path: Path, st: os.stat_result) -> str | None:
        entry = self._versions.get(str(path))
        if entry is not None and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        return None

    def _compute_version(self, path: Path, st: os.stat_result) -> str:
        version = _hash_file(path)
        self._versions[str(path)] = (st.st_mtime_ns, st.st_size, version)
        return version

    def version(self, filename: str) -> str:
        """A short hash of the file's content, recomputed only when the file changes.

        Raises `FileNotFoundError` naming the folder when there is no such file,
        so a typo in a template's `static_url()` is loud.
        """
        try:
            path, st = resolve_in(self._root, filename, follow_symlinks=self.follow_symlinks)
        except HTTPException as exc:
            raise FileNotFoundError(
                f"Static file {filename!r} not found in {str(self.directory)!r}"
            ) from exc
        return self._cached_version(path, st) or self._compute_version(path, st)

    async def serve(self, request: Request, filename: str) -> FileResponse:
        """A `FileResponse` for `filename`, long-cached when `?v=` is its current version."""
        path, st = resolve_in(self._root, filename, follow_symlinks=self.follow_symlinks)
        cache_control = REVALIDATE_CACHE_CONTROL
        requested = request.query_params.get("v")
        if requested:
            current = self._cached_version(path, st)
            if current is None:
                current = await asyncio.to_thread(self._compute_version, path, st)
            if requested == current:
                cache_control = IMMUTABLE_CACHE_CONTROL
        return FileResponse(path, stat_result=st, cache_control=cache_control)
