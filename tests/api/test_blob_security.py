"""Blobs are reachable only through orders: a technician uploads only bytes their own
orders reference, knowing a hash is never enough to use someone else's photo, uploads
reveal nothing about what is stored, and stored bytes are served with safe headers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.extensions import db
from server.media.models import Blob, Photo
from server.workorders import service as orders
from tests.factories import walk_to
from tests.report_scenario import photo, sha
from tests.sync.phone import Phone, new_id


@pytest.fixture
def two_jobs(make_order, make_technician, dispatcher):
    """Two technicians, each with a phone and an order of their own."""
    jobs = []
    for name in ("李师傅", "王师傅"):
        tech = make_technician(name=name)
        order = make_order(actor=dispatcher)
        walk_to(order, "scheduled", dispatcher, tech)
        jobs.append((tech, order))
    return jobs


def put(phone, data, digest=None, content_type="image/jpeg"):
    return phone.client.put(f"/api/v1/blobs/{digest or sha(data)}", data=data,
                            headers={**phone._headers(), "Content-Type": content_type})


def attach(phone, order, digest):
    photo_id = new_id()
    phone.queue("attach_photo", {"order_id": str(order.id), "photo_id": photo_id,
                                 "kind": "before", "sha256": digest, "taken_at": phone.now()})
    assert phone.push().get_json()["results"][-1]["status"] == "applied"
    return db.session.get(Photo, uuid.UUID(photo_id))


def test_bytes_no_order_references_are_refused_whether_or_not_they_exist(
        client, two_jobs):
    (li, li_order), (wang, _) = two_jobs
    li_phone, wang_phone = Phone(client, li), Phone(client, wang)
    data = photo(64, 48, seed=1)
    unreferenced = put(wang_phone, data)
    assert unreferenced.status_code == 409
    assert unreferenced.get_json()["reason"] == "not_referenced"
    assert db.session.get(Blob, sha(data)) is None  # nothing of it was stored

    attach(li_phone, li_order, sha(data))
    assert put(li_phone, data).status_code == 200
    # Wang sends the same bytes, and then one byte under the same name: both answers are
    # the ones he got before the bytes existed. No oracle.
    again = put(wang_phone, data)
    probe = put(wang_phone, b"x", digest=sha(data))
    assert (again.status_code, again.get_json()) == (409, unreferenced.get_json())
    assert (probe.status_code, probe.get_json()) == (409, unreferenced.get_json())


def test_a_repeat_upload_answers_exactly_like_the_first(client, two_jobs):
    (li, li_order), _ = two_jobs
    phone = Phone(client, li)
    data = photo(64, 48, seed=2)
    attach(phone, li_order, sha(data))
    first, second = put(phone, data), put(phone, data)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert "created" not in first.get_json()


def test_a_stored_hash_attached_to_another_order_stays_pending_until_its_bytes_come(
        client, two_jobs, api_as, dispatcher):
    (li, li_order), (wang, wang_order) = two_jobs
    li_phone, wang_phone = Phone(client, li), Phone(client, wang)
    data = photo(64, 48, seed=3)
    attach(li_phone, li_order, sha(data))
    assert put(li_phone, data).status_code == 200

    stolen = attach(wang_phone, wang_order, sha(data))
    assert stolen.status == "pending"  # the hash alone does not make Li's photo his
    # Without the bytes he cannot make it ready.
    assert put(wang_phone, b"guess", digest=sha(data)).get_json()["reason"] == "hash_mismatch"
    db.session.refresh(stolen)
    assert stolen.status != "ready"
    # Someone who really has the same bytes does.
    assert put(wang_phone, data).status_code == 200
    db.session.refresh(stolen)
    assert stolen.status == "ready"


def test_an_upload_makes_only_the_uploaders_photos_ready(client, two_jobs):
    (li, li_order), (wang, wang_order) = two_jobs
    li_phone, wang_phone = Phone(client, li), Phone(client, wang)
    data = photo(64, 48, seed=4)
    mine = attach(li_phone, li_order, sha(data))
    theirs = attach(wang_phone, wang_order, sha(data))
    assert put(li_phone, data).status_code == 200
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert (mine.status, theirs.status) == ("ready", "pending")


def test_the_office_reads_only_bytes_uploaded_for_an_order_with_safe_headers(
        client, two_jobs, api_as, dispatcher):
    (li, li_order), _ = two_jobs
    phone, office = Phone(client, li), api_as(dispatcher)
    data = photo(64, 48, seed=5)
    assert office.get(f"/api/v1/blobs/{sha(data)}").status_code == 404
    attach(phone, li_order, sha(data))
    assert office.get(f"/api/v1/blobs/{sha(data)}").status_code == 404  # not uploaded yet
    put(phone, data, content_type="text/html")  # the label the uploader chose is ignored
    response = office.get(f"/api/v1/blobs/{sha(data)}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_technician_uploads_for_an_order_that_left_them_but_was_theirs(
        client, two_jobs, dispatcher):
    (li, li_order), (wang, _) = two_jobs
    phone = Phone(client, li)
    data = photo(64, 48, seed=6)
    row = attach(phone, li_order, sha(data))
    orders.update_order(dispatcher, li_order, {"assignee_id": wang.id})
    db.session.flush()
    assert li_order.assignee_id == wang.id
    # The phone uploads after the order moved to Wang: work done on site is never lost.
    assert put(phone, data).status_code == 200
    assert db.session.scalar(select(Photo.status).where(Photo.id == row.id)) == "ready"
