"""Fixtures for the scale-out tests: a real S3-compatible server and a real Redis, each a
process on a free loopback port for the whole run (see ``servers``)."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.scale import servers

# moto accepts any credentials; boto3 still needs some, read from the usual variables.
S3_ENV = {"AWS_ACCESS_KEY_ID": "doorstep-test", "AWS_SECRET_ACCESS_KEY": "doorstep-test",
          "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of an S3-compatible server (moto's server mode) on loopback."""
    available, reason = servers.moto_available()
    servers.need(available, reason)
    saved = {name: os.environ.get(name) for name in S3_ENV}
    os.environ.update(S3_ENV)
    server = servers.start_s3_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket for one test; returns its name."""
    from server.media.s3 import S3Storage

    name = f"doorstep-{uuid.uuid4().hex[:12]}"
    S3Storage(name, endpoint_url=s3_endpoint).ensure_bucket()
    return name


@pytest.fixture
def s3_app(app, s3_endpoint, s3_bucket, monkeypatch):
    """The test application with its blobs in object storage (s3://<bucket>/blobs)."""
    monkeypatch.setitem(app.config, "BLOB_URL", f"s3://{s3_bucket}/blobs")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    yield app


@pytest.fixture(scope="session")
def redis_url():
    """redis://… of a throwaway redis-server on loopback."""
    available, reason = servers.redis_available()
    servers.need(available, reason)
    server = servers.start_redis()
    try:
        yield f"redis://127.0.0.1:{server.port}/0"
    finally:
        server.stop()
