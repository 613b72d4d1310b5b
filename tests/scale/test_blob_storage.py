"""The blob store contract, on both stores: the local folder (the embedded default) and
S3-compatible object storage served by a real S3 server process on loopback."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import pytest

from server.media.storage import LocalFolderStorage, key_for, open_store, sha256_of


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFolderStorage(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/some/prefix", endpoint_url=endpoint,
                      scratch_dir=tmp_path / "scratch")


def put(store, data: bytes, suffix: str = "") -> str:
    digest = hashlib.sha256(data).hexdigest()
    fd, scratch = store.scratch_file()
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    key = key_for(digest, suffix)
    store.put_file(key, scratch)
    assert not scratch.exists()  # moved in, like a rename: no scratch file is left behind
    return key


def test_bytes_put_come_back_whole_and_seekable(store):
    data = os.urandom(300_000)
    key = put(store, data)
    assert store.exists(key)
    with store.open(key) as source:
        assert source.read() == data
        source.seek(0)
        assert source.read(10) == data[:10]
    assert sha256_of(store, key) == hashlib.sha256(data).hexdigest()


def test_putting_the_same_content_twice_is_harmless(store):
    data = b"the same bytes"
    first, second = put(store, data), put(store, data)
    assert first == second
    assert list(store.keys()) == [first]
    with store.open(first) as source:
        assert source.read() == data


def test_a_missing_key_does_not_exist_and_cannot_be_opened(store):
    key = key_for("0" * 64)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_delete_removes_and_deleting_again_is_no_error(store):
    key = put(store, b"short-lived")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)


def test_keys_lists_blobs_and_renditions_but_not_scratch_files(store):
    original = put(store, b"original")
    rendition = put(store, b"original", ".thumb.jpg")
    store.scratch_file()  # an abandoned upload
    assert sorted(store.keys()) == sorted([original, rendition])


def test_a_key_a_client_could_forge_is_refused(store):
    with pytest.raises(ValueError):
        store.exists("../../etc/passwd")


def test_s3_objects_record_their_hash_and_live_under_the_prefix(s3_endpoint, s3_bucket,
                                                                tmp_path):
    store = open_store(f"s3://{s3_bucket}/tenant-a", endpoint_url=s3_endpoint,
                       scratch_dir=tmp_path)
    other = open_store(f"s3://{s3_bucket}/tenant-b", endpoint_url=s3_endpoint,
                       scratch_dir=tmp_path)
    key = put(store, b"photo bytes")
    assert store.head(key) == {"size": 11, "sha256": hashlib.sha256(b"photo bytes").hexdigest()}
    listed = store.client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"tenant-a/{key}"]
    assert not other.exists(key) and list(other.keys()) == []


def test_a_large_file_goes_up_in_parts_and_comes_back_intact(s3_endpoint, s3_bucket, tmp_path):
    store = open_store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint, scratch_dir=tmp_path)
    data = os.urandom(17 * 1024 * 1024)  # above the multipart threshold
    key = put(store, data)
    assert sha256_of(store, key) == hashlib.sha256(data).hexdigest()


def test_a_presigned_link_serves_the_bytes_and_a_local_folder_has_none(store):
    key = put(store, b"%PDF-1.7 pretend", ".pdf")
    url = store.presigned_url(key, 60, content_type="application/pdf",
                              download_name="R-1.pdf")
    if isinstance(store, LocalFolderStorage):
        assert url is None
        return
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"%PDF-1.7 pretend"
        assert response.headers["Content-Type"] == "application/pdf"
        assert 'filename="R-1.pdf"' in response.headers["Content-Disposition"]


def test_a_store_url_must_be_s3_or_a_folder(tmp_path):
    assert isinstance(open_store(str(tmp_path)), LocalFolderStorage)
    assert open_store(f"file://{tmp_path}").root == Path(tmp_path)
    with pytest.raises(ValueError, match="scheme"):
        open_store("ftp://example.com/blobs")
    with pytest.raises(ValueError, match="bucket"):
        open_store("s3:///prefix")
