"""``flask blobs copy`` moves a local store to object storage (resumable, every hash
verified) and ``flask blobs check`` finds what the database refers to and is missing or
damaged, in either store."""

from __future__ import annotations

import pytest

from server.extensions import db
from server.media.storage import LocalFolderStorage, key_for, open_store, sha256_of
from tests.api.test_reports import (  # noqa: F401 (fixtures)
    _signing_key_outside_the_instance_folder,
    do_the_work,
    report_of,
    signing_dir,
    visit_for,
)


@pytest.fixture
def local_store(app, tmp_path, monkeypatch):
    """A store of its own for this test (the session's folder holds other tests' blobs)."""
    monkeypatch.setitem(app.config, "BLOB_DIR", str(tmp_path / "blobs"))
    return LocalFolderStorage(tmp_path / "blobs")


@pytest.fixture
def signed_visit(local_store, visit_for):
    visit = do_the_work(visit_for("en"), photos=2)
    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready"
    db.session.commit()
    return visit


def flask(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_copy_sends_every_blob_to_object_storage_and_the_app_then_serves_from_there(
        app, signed_visit, local_store, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    url = f"s3://{s3_bucket}/doorstep"
    keys = list(local_store.keys())
    assert len(keys) == 1 + 2 * 3 + 3  # the PDF, 3 renditions of each photo and the signature

    result = flask(app, "blobs", "copy", "--to", url)
    assert result.exit_code == 0, result.output
    assert f"{len(keys)} copied, 0 already there, 0 problems." in result.output
    remote = open_store(url, endpoint_url=s3_endpoint)
    assert sorted(remote.keys()) == sorted(keys)
    assert all(sha256_of(remote, key) == sha256_of(local_store, key) for key in keys)

    checked = flask(app, "blobs", "check", "--store", url)
    assert checked.exit_code == 0, checked.output
    assert "0 problems" in checked.output

    monkeypatch.setitem(app.config, "BLOB_URL", url)
    for key in keys:
        local_store.delete(key)  # the old folder is no longer read
    response = signed_visit.client.get(f"/api/v1/workorders/{signed_visit.order.id}/report/pdf",
                                       headers=signed_visit.phone._headers())
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_an_interrupted_copy_resumes_sending_only_what_is_missing_or_wrong(
        app, signed_visit, local_store, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    url = f"s3://{s3_bucket}"
    assert flask(app, "blobs", "copy", "--to", url).exit_code == 0
    remote = open_store(url, endpoint_url=s3_endpoint)
    keys = sorted(remote.keys())
    remote.delete(keys[0])  # never arrived
    remote.client.put_object(Bucket=s3_bucket, Key=keys[1], Body=b"half a file")  # cut short

    again = flask(app, "blobs", "copy", "--to", url)
    assert again.exit_code == 0, again.output
    assert f"2 copied, {len(keys) - 2} already there, 0 problems." in again.output
    assert sha256_of(remote, keys[1]) == sha256_of(local_store, keys[1])


def test_a_source_blob_that_does_not_match_its_name_is_reported_not_copied(
        app, signed_visit, local_store, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    pdf = key_for(report_of(signed_visit).pdf_sha256, ".pdf")
    (local_store.root / pdf).write_bytes(b"%PDF damaged on disk")

    result = flask(app, "blobs", "copy", "--to", f"s3://{s3_bucket}")
    assert result.exit_code == 1
    assert f"{pdf}: corrupt in the source, not copied" in result.output
    assert not open_store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint).exists(pdf)


def test_check_names_each_missing_or_damaged_blob(app, signed_visit, local_store):
    assert flask(app, "blobs", "check").exit_code == 0
    pdf = key_for(report_of(signed_visit).pdf_sha256, ".pdf")
    thumb = key_for(signed_visit_photo(signed_visit), ".thumb.jpg")
    (local_store.root / pdf).write_bytes(b"%PDF altered")
    local_store.delete(thumb)

    result = flask(app, "blobs", "check")
    assert result.exit_code == 1
    assert f"{pdf}: wrong hash" in result.output
    assert f"{thumb}: missing" in result.output
    assert "2 problems" in result.output


def signed_visit_photo(visit) -> str:
    from tests.report_scenario import sha

    return sha(visit.photos[0])


def test_an_unknown_store_url_is_a_usage_error(app, local_store):
    result = flask(app, "blobs", "copy", "--to", "ftp://example.com/blobs")
    assert result.exit_code == 2 and "unknown blob store URL scheme" in result.output
