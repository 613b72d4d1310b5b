"""Where blob bytes live, behind one small interface.

``LocalFolderStorage`` is the default (``BLOB_DIR``). An S3-compatible implementation only
has to provide the same four methods. Keys are always made by the server from the
content hash (``ab/cd/abcd…``): nothing a client names ever becomes a path.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def key_for(sha256: str, suffix: str = "") -> str:
    """The storage key of a blob (or of a rendition, with ``suffix`` like ``.thumb.jpg``)."""
    if not _HEX64.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


class BlobStorage(Protocol):
    def put_file(self, key: str, path: Path) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class LocalFolderStorage:
    """Blobs as files under one folder; writes land via rename, so readers never see half."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("key escapes the storage folder")
        return path

    def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def scratch_file(self) -> tuple[int, Path]:
        """A temporary file on the same filesystem, so the final rename is atomic."""
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=scratch)
        return fd, Path(name)


def storage() -> LocalFolderStorage:
    return LocalFolderStorage(current_app.config["BLOB_DIR"])
