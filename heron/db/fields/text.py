"""String fields with built-in validation: e-mail, URL, slug, and file/image paths."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable, Sequence
from typing import Any

from heron.db import validators
from heron.db.fields.scalars import String

__all__ = ["IMAGE_EXTENSIONS", "URL", "Email", "File", "Image", "Slug"]


class Email(String):
    """An e-mail address (``max_length`` 254, checked by ``EmailValidator``)."""

    def __init__(self, *args: Any, max_length: int = 254, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.insert(0, validators.validate_email)


class URL(String):
    """An absolute URL (``max_length`` 200; ``schemes`` default http, https, ftp, ftps)."""

    def __init__(
        self,
        *args: Any,
        max_length: int = 200,
        schemes: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.insert(0, validators.URLValidator(schemes=schemes))


class Slug(String):
    """A URL fragment of letters, digits, ``-`` and ``_`` (indexed; ``max_length`` 50).

    ``allow_unicode=True`` accepts Unicode letters too.
    """

    def __init__(
        self, *args: Any, max_length: int = 50, allow_unicode: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault("db_index", True)
        super().__init__(*args, max_length=max_length, **kwargs)
        self.allow_unicode = allow_unicode
        check = validators.validate_unicode_slug if allow_unicode else validators.validate_slug
        self.validators.insert(0, check)


UploadTo = str | Callable[[Any, str], str]


class File(String):
    """The path (or storage name) of a file, relative to wherever you keep uploads.

    Heron stores only the text. ``upload_to`` is a directory, which may hold ``strftime``
    codes (``"avatars/%Y/%m"``), or a callable ``(instance, filename) -> path``;
    ``field.generate_filename(instance, filename)`` applies it. ``allowed_extensions``
    restricts the file name's extension (checked by ``full_clean()``).
    """

    def __init__(
        self,
        *args: Any,
        upload_to: UploadTo = "",
        max_length: int = 100,
        allowed_extensions: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.upload_to = upload_to
        if allowed_extensions is not None:
            self.validators.insert(0, validators.FileExtensionValidator(allowed_extensions))

    def generate_filename(self, instance: Any, filename: str) -> str:
        """Where a file called ``filename`` uploaded for ``instance`` should be kept."""
        filename = posixpath.basename(filename.replace("\\", "/"))
        if callable(self.upload_to):
            return posixpath.normpath(self.upload_to(instance, filename))
        directory = dt.datetime.now(dt.UTC).strftime(self.upload_to) if self.upload_to else ""
        return posixpath.normpath(posixpath.join(directory, filename))

    def to_python(self, value: Any) -> Any:
        # Accept file-like objects that carry a name (an uploaded file) as their name.
        name = getattr(value, "name", None)
        if isinstance(name, str):
            return name
        return super().to_python(value)


IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "avif", "ico")


class Image(File):
    """A ``File`` whose name must end in an image extension (``IMAGE_EXTENSIONS``)."""

    def __init__(
        self,
        *args: Any,
        allowed_extensions: Sequence[str] | None = IMAGE_EXTENSIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, allowed_extensions=allowed_extensions, **kwargs)
