"""``UploadFile``: an uploaded file part, spooled in memory then on disk."""

from __future__ import annotations

import asyncio
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from heron.http.headers import Headers

__all__ = ["UploadFile"]


class UploadFile:
    """A file from a multipart form.

    ``file`` is a ``SpooledTemporaryFile``: small uploads stay in memory, larger
    ones roll over to a temporary file on disk. The async methods run disk I/O
    in a worker thread once the file is on disk.
    """

    __slots__ = ("content_type", "file", "filename", "headers", "size")

    def __init__(
        self,
        file: SpooledTemporaryFile[bytes] | IO[bytes],
        *,
        filename: str | None = None,
        content_type: str = "application/octet-stream",
        headers: Headers | None = None,
        size: int = 0,
    ) -> None:
        self.file = file
        self.filename = filename
        self.content_type = content_type
        self.headers = headers if headers is not None else Headers()
        self.size = size

    @property
    def in_memory(self) -> bool:
        """Whether the content is still held in memory (not yet rolled to disk)."""
        rolled: Any = getattr(self.file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        """Append ``data`` at the current position and grow ``size``."""
        self.size += len(data)
        if self.in_memory:
            self.file.write(data)
        else:
            await asyncio.to_thread(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all remaining when negative)."""
        if self.in_memory:
            return self.file.read(size)
        return await asyncio.to_thread(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to absolute position ``offset``."""
        if self.in_memory:
            self.file.seek(offset)
        else:
            await asyncio.to_thread(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (deleting its temporary file, if any)."""
        if self.in_memory:
            self.file.close()
        else:
            await asyncio.to_thread(self.file.close)

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, size={self.size!r}, "
            f"content_type={self.content_type!r})"
        )
