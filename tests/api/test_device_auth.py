"""Signing a device in, and every way a token stops working."""

import uuid
from datetime import timedelta

from server.accounts.models import Device
from server.accounts.service import revoke_device
from server.database import utcnow
from server.extensions import db
from tests.factories import PASSWORD


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token",
                       json={"email": email, "password": password, **extra})


def test_technician_signs_in_and_the_token_works(client, technician):
    response = sign_in(client, technician.user.email, device_name="Pixel 7")
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["role"] == "technician"
    assert body["user"]["technician_id"] == str(technician.id)
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["email"] == technician.user.email
    device = db.session.get(Device, uuid.UUID(body["device_id"]))
    assert device.token_hash != body["token"]  # only the digest is stored


def test_signing_in_again_on_the_same_device_keeps_it_and_replaces_the_token(client, technician):
    first = sign_in(client, technician.user.email).get_json()
    second = sign_in(client, technician.user.email, device_id=first["device_id"]).get_json()
    assert second["device_id"] == first["device_id"]
    old = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first['token']}"})
    assert old.status_code == 401


def test_wrong_password_is_401_naming_the_field(client, technician):
    response = sign_in(client, technician.user.email, password="nope-nope")
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == 401 and "password" in body["errors"]
    assert sign_in(client, "nobody@example.test").status_code == 401


def test_missing_token_expired_token_and_revoked_device_are_told_apart(client, technician):
    assert client.get("/api/v1/auth/me").get_json()["reason"] == "token_missing"
    body = sign_in(client, technician.user.email).get_json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    device = db.session.get(Device, uuid.UUID(body["device_id"]))

    device.token_expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    expired = client.get("/api/v1/auth/me", headers=headers)
    assert expired.status_code == 401 and expired.get_json()["reason"] == "token_expired"
    assert "Bearer" in expired.headers["WWW-Authenticate"]

    device.token_expires_at = utcnow() + timedelta(days=1)
    revoke_device(device.id)
    revoked = client.get("/api/v1/auth/me", headers=headers)
    assert revoked.status_code == 401 and revoked.get_json()["reason"] == "device_revoked"


def test_a_revoked_device_cannot_sign_in_again_under_its_old_id(client, technician):
    body = sign_in(client, technician.user.email).get_json()
    revoke_device(uuid.UUID(body["device_id"]))
    again = sign_in(client, technician.user.email, device_id=body["device_id"])
    assert again.status_code == 409 and "device_id" in again.get_json()["errors"]


def test_disabled_account_loses_api_access(client, technician):
    body = sign_in(client, technician.user.email).get_json()
    technician.user.active = False
    db.session.flush()
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert response.status_code == 401
    assert sign_in(client, technician.user.email).status_code == 401


def test_admin_revokes_a_device_over_the_api(client, api_as, admin, technician):
    body = sign_in(client, technician.user.email).get_json()
    response = api_as(admin).post(f"/api/v1/devices/{body['device_id']}/revoke")
    assert response.status_code == 200 and response.get_json()["revoked_at"]
    assert client.get("/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {body['token']}"}).status_code == 401


def test_passwords_are_stored_with_a_slow_hash(technician):
    assert technician.user.password_hash.startswith("$argon2")
