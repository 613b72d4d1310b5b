"""Receiving blob bytes: hashed while streamed, refused on mismatch or over the size limit."""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

from ..errors import Invalid, ServiceError
from ..extensions import db
from .models import Blob
from .service import photos_waiting_for
from .storage import key_for, storage


class TooLarge(ServiceError):
    status = 413


CHUNK = 64 * 1024


def receive_blob(sha256: str, stream: BinaryIO, content_type: str, limit: int
                 ) -> tuple[Blob, bool]:
    """Store the bytes of ``stream`` under ``sha256``; returns the blob and whether it is new.

    Idempotent: bytes already stored are acknowledged without being written again.
    Raises Invalid when the bytes do not hash to ``sha256``, TooLarge past ``limit``;
    in both cases nothing is stored.
    """
    try:
        key = key_for(sha256)
    except ValueError:
        raise Invalid("The blob name must be a SHA-256 hex digest.",
                      {"sha256": ["must be 64 lowercase hex digits"]}) from None
    existing = db.session.get(Blob, sha256)
    if existing is not None and storage().exists(existing.storage_key):
        while stream.read(CHUNK):
            pass  # drain the body so the connection can be reused
        return existing, False
    store = storage()
    fd, scratch = store.scratch_file()
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"A blob may be at most {limit} bytes.",
                                   {"body": [f"larger than {limit} bytes"]}, code="too_large")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("The body is empty.", {"body": ["is empty"]}, code="empty")
        if digest.hexdigest() != sha256:
            raise Invalid("The bytes do not match their SHA-256.",
                          {"sha256": [f"the body hashes to {digest.hexdigest()}"]},
                          code="hash_mismatch")
        store.put_file(key, scratch)
    finally:
        scratch.unlink(missing_ok=True)
    blob = existing or Blob(sha256=sha256)
    blob.size, blob.content_type, blob.storage_key = size, content_type[:100], key
    db.session.add(blob)
    for photo in photos_waiting_for(sha256):
        photo.status = "ready"
    db.session.flush()
    return blob, True
