"""Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph radosgw, moto's server…).

Chosen with ``BLOB_URL=s3://bucket/prefix``; ``S3_ENDPOINT_URL`` points at a server that is
not AWS, ``S3_REGION`` names the region. Credentials come the usual boto3 way
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an instance role…), never
from Doorstep's own settings.

Objects are written whole (an upload either lands complete or not at all, so readers never
see half a file) and carry their SHA-256 as ``x-amz-meta-sha256``, which lets
``flask blobs copy`` resume without downloading again what already arrived intact.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .storage import CHUNK, is_key

# Files below this size go up in one request; larger ones in parallel parts.
_MULTIPART_THRESHOLD = 16 * 1024 * 1024
# Downloads stay in memory up to this size, then spill to a temporary file.
_SPOOL_BYTES = 4 * 1024 * 1024


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """The blob store interface of ``media.storage`` over one bucket and key prefix."""

    url_scheme = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, scratch_dir: str | Path | None = None,
                 client=None):
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.scratch_dir = Path(scratch_dir) if scratch_dir else None
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"},
                          max_pool_connections=32,
                          # AWS and MinIO accept both; path style also works on loopback.
                          s3={"addressing_style": "path"}))
        from boto3.s3.transfer import TransferConfig

        self._transfer = TransferConfig(multipart_threshold=_MULTIPART_THRESHOLD,
                                        multipart_chunksize=_MULTIPART_THRESHOLD)

    def __repr__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _name(self, key: str) -> str:
        if not is_key(key):
            raise ValueError("not a blob storage key")
        return self.prefix + key

    def put_file(self, key: str, path: Path) -> None:
        """Upload ``path`` under ``key`` and remove the local file (as a rename would)."""
        digest = hashlib.sha256()
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
        self.client.upload_file(str(path), self.bucket, self._name(key),
                                ExtraArgs={"Metadata": {"sha256": digest.hexdigest()}},
                                Config=self._transfer)
        Path(path).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a seekable file. Raises FileNotFoundError when missing."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from None
            raise
        spool = tempfile.SpooledTemporaryFile(
            max_size=_SPOOL_BYTES, dir=self._scratch() if self.scratch_dir else None)
        body = response["Body"]
        try:
            while chunk := body.read(CHUNK):
                spool.write(chunk)
        finally:
            body.close()
        spool.seek(0)
        return spool  # type: ignore[return-value]

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def head(self, key: str) -> dict | None:
        """The object's size and recorded SHA-256, or None when it is missing."""
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return {"size": response["ContentLength"],
                "sha256": response.get("Metadata", {}).get("sha256")}

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def _scratch(self) -> Path:
        assert self.scratch_dir is not None
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        return self.scratch_dir

    def scratch_file(self) -> tuple[int, Path]:
        """A local temporary file to write into before ``put_file``."""
        fd, name = tempfile.mkstemp(dir=self._scratch() if self.scratch_dir else None)
        return fd, Path(name)

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if is_key(key):
                    yield key

    def presigned_url(self, key: str, seconds: int, *, content_type: str | None = None,
                      download_name: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": self._name(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if download_name:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return self.client.generate_presigned_url("get_object", Params=params,
                                                  ExpiresIn=seconds)

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (development and tests; production
        buckets are made by whoever owns the account)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)
