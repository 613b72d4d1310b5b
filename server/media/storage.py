"""Where blob bytes live, behind one small interface.

``LocalFolderStorage`` is the default (``BLOB_DIR``). ``BLOB_URL=s3://bucket/prefix`` puts
them in S3-compatible object storage instead (``media.s3.S3Storage``, the same methods).
Keys are always made by the server from the content hash (``ab/cd/abcd…``): nothing a
client names ever becomes a path or an object name.

Every store offers: ``put_file`` (moves a scratch file in; idempotent, since a key names
its content), ``open`` (a readable, seekable file; FileNotFoundError when missing),
``exists``, ``delete`` (no error when missing), ``scratch_file`` (a local temporary file
to write into before ``put_file``), ``keys`` (every stored key) and ``presigned_url``
(a short-lived direct link, or None when the store cannot make one).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import current_app, redirect, send_file

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]+)*$")
CHUNK = 1024 * 1024


def key_for(sha256: str, suffix: str = "") -> str:
    """The storage key of a blob (or of a rendition, with ``suffix`` like ``.thumb.jpg``)."""
    if not _HEX64.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def is_key(key: str) -> bool:
    """Whether ``key`` has the shape ``key_for`` makes (scratch files and strays do not)."""
    return bool(_KEY.match(key))


def sha256_of(store: BlobStorage, key: str) -> str:
    """The SHA-256 of the bytes stored under ``key``. Raises FileNotFoundError."""
    digest = hashlib.sha256()
    with store.open(key) as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStorage(Protocol):
    def put_file(self, key: str, path: Path) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def scratch_file(self) -> tuple[int, Path]: ...
    def keys(self) -> Iterator[str]: ...
    def presigned_url(self, key: str, seconds: int, *, content_type: str | None = None,
                      download_name: str | None = None) -> str | None: ...


class LocalFolderStorage:
    """Blobs as files under one folder; writes land via rename, so readers never see half."""

    url_scheme = "file"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"local folder {self.root}"

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

    def keys(self) -> Iterator[str]:
        """Every stored key, in sorted order (the scratch folder is not part of the store)."""
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and is_key(key):
                yield key

    def presigned_url(self, key: str, seconds: int, *, content_type: str | None = None,
                      download_name: str | None = None) -> str | None:
        return None  # the web process streams local files itself


def open_store(url: str, *, scratch_dir: str | Path | None = None,
               endpoint_url: str | None = None, region: str | None = None) -> BlobStorage:
    """The store a URL names: ``s3://bucket/prefix``, ``file:///path`` or a plain path.

    Raises ValueError for any other URL.
    """
    parts = urlsplit(url)
    if parts.scheme == "s3":
        from .s3 import S3Storage

        if not parts.netloc:
            raise ValueError("an s3:// URL needs a bucket: s3://bucket/prefix")
        return S3Storage(parts.netloc, parts.path.strip("/"), endpoint_url=endpoint_url,
                         region=region, scratch_dir=scratch_dir)
    if parts.scheme == "file":
        return LocalFolderStorage(parts.path)
    if parts.scheme == "":
        return LocalFolderStorage(url)
    raise ValueError(f"unknown blob store URL scheme {parts.scheme!r} (use s3:// or a path)")


def store_for(config) -> BlobStorage:
    """The store the configuration names (BLOB_URL, else the BLOB_DIR folder)."""
    url = config.get("BLOB_URL")
    if not url:
        return LocalFolderStorage(config["BLOB_DIR"])
    return open_store(url, scratch_dir=Path(config["BLOB_DIR"]) / "tmp",
                      endpoint_url=config.get("S3_ENDPOINT_URL"),
                      region=config.get("S3_REGION"))


def storage() -> BlobStorage:
    """The application's store, made once per process (an S3 client is costly to build)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("doorstep_blob_storage")
    signature = (app.config.get("BLOB_URL"), app.config["BLOB_DIR"],
                 app.config.get("S3_ENDPOINT_URL"))
    if cached is None or cached[0] != signature:
        cached = (signature, store_for(app.config))
        app.extensions["doorstep_blob_storage"] = cached
    return cached[1]


def download(key: str, *, mimetype: str, etag: str | None = None, max_age: int | None = None,
             download_name: str | None = None, as_attachment: bool = False):
    """A response that delivers the bytes under ``key``.

    With BLOB_PRESIGN_SECONDS > 0 and a store that can sign links (S3), it is a redirect
    to a link valid that long, so web workers do not stream large files; otherwise the
    bytes are streamed. Raises FileNotFoundError when nothing is stored under ``key``.
    """
    store = storage()
    seconds = int(current_app.config.get("BLOB_PRESIGN_SECONDS") or 0)
    if seconds > 0:
        name = download_name if as_attachment else None
        url = store.presigned_url(key, seconds, content_type=mimetype, download_name=name)
        if url is not None:
            response = redirect(url, code=302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    return send_file(store.open(key), mimetype=mimetype, etag=etag, max_age=max_age,
                     download_name=download_name, as_attachment=as_attachment)
