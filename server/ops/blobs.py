"""Copying a blob store to another and checking one against the database.

Keys name their content (``media.storage.key_for``), so a copy can be resumed at any
point: whatever already arrived with the right hash is skipped, the rest is sent and read
back to check its hash. Originals and PDFs are named by their own SHA-256; renditions are
derived bytes, checked against the bytes they were copied from.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..media.models import Blob, Report
from ..media.storage import CHUNK, BlobStorage, key_for, sha256_of

_NAMED_BY_HASH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})(\.pdf)?$")
RENDITIONS = ("display", "print", "thumb")


def expected_hash(key: str) -> str | None:
    """The SHA-256 a key's bytes must have, when the key says (originals and PDFs)."""
    match = _NAMED_BY_HASH.match(key)
    return match.group(1) if match else None


@dataclass
class CopyResult:
    copied: int = 0
    already_there: int = 0
    problems: list[str] = field(default_factory=list)


def _stored_hash(store: BlobStorage, key: str) -> str | None:
    """The hash of what ``store`` holds under ``key`` (None when missing); S3 objects written
    by Doorstep carry it as metadata, so nothing is downloaded to learn it."""
    head = getattr(store, "head", None)
    if head is not None:
        info = head(key)
        if info is None:
            return None
        if info["sha256"]:
            return info["sha256"]
    try:
        return sha256_of(store, key)
    except FileNotFoundError:
        return None


def copy_store(source: BlobStorage, target: BlobStorage,
               progress: Callable[[str, str], None] = lambda key, what: None) -> CopyResult:
    """Copy every blob of ``source`` to ``target``, verifying every hash; resumable.

    A source blob whose bytes do not match its name is not copied and is listed as a
    problem, as is a copy that does not read back with the source's hash.
    """
    result = CopyResult()
    for key in source.keys():
        fd, scratch = target.scratch_file()
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, source.open(key) as data:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            source_hash = digest.hexdigest()
            named = expected_hash(key)
            if named is not None and named != source_hash:
                result.problems.append(f"{key}: the source bytes hash to {source_hash}")
                progress(key, "corrupt in the source, not copied")
                continue
            # Resuming: what arrived with the right hash is not sent again.
            if _stored_hash(target, key) == source_hash:
                result.already_there += 1
                progress(key, "already there")
                continue
            target.put_file(key, scratch)
            copied_hash = sha256_of(target, key)  # read the bytes back, not their label
            if copied_hash != source_hash:
                result.problems.append(f"{key}: the copy reads back as {copied_hash}")
                progress(key, "copy does not match")
                continue
            result.copied += 1
            progress(key, "copied")
        finally:
            scratch.unlink(missing_ok=True)
    return result


@dataclass
class CheckResult:
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def check_store(store: BlobStorage,
                progress: Callable[[str, str], None] = lambda key, what: None) -> CheckResult:
    """Check that every blob the database refers to is in ``store`` with the right hash:
    kept originals and signed PDFs by their SHA-256, renditions of checked images by their
    presence. Photos and signatures whose bytes never arrived are not blobs yet."""
    result = CheckResult()

    def verify(key: str, sha256: str | None) -> None:
        result.checked += 1
        try:
            actual = sha256_of(store, key) if sha256 else None
            if not sha256 and not store.exists(key):
                raise FileNotFoundError(key)
        except FileNotFoundError:
            result.problems.append(f"{key}: missing")
            progress(key, "missing")
            return
        if sha256 and actual != sha256:
            result.problems.append(f"{key}: the bytes hash to {actual}")
            progress(key, "wrong hash")
            return
        progress(key, "ok")

    blobs = db.session.execute(select(Blob.sha256, Blob.storage_key, Blob.original_kept,
                                      Blob.image_format, Blob.rendition_ext)
                               .order_by(Blob.sha256))
    for sha256, storage_key, original_kept, image_format, ext in blobs:
        if original_kept:
            verify(storage_key, sha256)
        if image_format is not None:
            for name in RENDITIONS:
                verify(key_for(sha256, f".{name}.{ext}"), None)
    for (pdf,) in db.session.execute(select(Report.pdf_sha256).where(
            Report.pdf_sha256.is_not(None)).distinct().order_by(Report.pdf_sha256)):
        verify(key_for(pdf, ".pdf"), pdf)
    return result
