"""Ending sessions: sign-out, a password change and deactivation end every copy of a
console session cookie, and the device tokens where they must; the bearer scheme is
case-insensitive; a disabled account is told so."""

from __future__ import annotations

from server.accounts import service as accounts
from server.extensions import db
from tests.factories import PASSWORD


def console_sign_in(client, user, password=PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def copy_of_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def signed_in(client) -> bool:
    return client.get("/orders").status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, dispatcher):
    assert console_sign_in(client, dispatcher).status_code == 302
    stolen = copy_of_session(app, client)
    assert signed_in(stolen)
    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    response = stolen.get("/orders")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signing_in_again_after_sign_out_works(client, dispatcher):
    console_sign_in(client, dispatcher)
    client.post("/logout")
    assert console_sign_in(client, dispatcher).status_code == 302
    assert signed_in(client)


def test_a_password_change_ends_console_sessions_and_device_tokens(client, dispatcher, api_as):
    console_sign_in(client, dispatcher)
    phone = api_as(dispatcher)
    assert phone.get("/api/v1/auth/me").status_code == 200
    accounts.change_password(dispatcher, "a-brand-new-password")
    db.session.flush()
    assert not signed_in(client)
    expired = phone.get("/api/v1/auth/me")
    assert expired.status_code == 401 and expired.get_json()["reason"] == "token_expired"
    assert console_sign_in(client, dispatcher, "a-brand-new-password").status_code == 302


def test_deactivation_ends_console_sessions_and_revokes_devices(client, dispatcher, api_as):
    console_sign_in(client, dispatcher)
    phone = api_as(dispatcher)
    accounts.deactivate_user(dispatcher)
    db.session.flush()
    assert not signed_in(client)
    refused = phone.get("/api/v1/auth/me")
    assert refused.status_code == 401 and refused.get_json()["reason"] == "device_revoked"


def test_a_session_from_before_session_versions_is_signed_out(client, dispatcher):
    with client.session_transaction() as session:
        session["_user_id"] = str(dispatcher.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_the_bearer_scheme_is_case_insensitive(client, technician, api_as):
    token = api_as(technician.user).token
    for scheme in ("bearer", "BEARER", "Bearer"):
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, scheme
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Basic {token}"}
                      ).get_json()["reason"] == "token_missing"


def test_a_disabled_account_signing_in_is_told_account_disabled(client, technician):
    technician.user.active = False
    db.session.flush()
    response = client.post("/api/v1/auth/token",
                           json={"email": technician.user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["reason"] == "account_disabled"
    # Only the right password learns that: a wrong one is just wrong.
    wrong = client.post("/api/v1/auth/token",
                        json={"email": technician.user.email, "password": "not-the-one"})
    assert wrong.get_json()["reason"] == "bad_credentials"


def test_a_disabled_dispatcher_is_told_on_the_console_login(client, dispatcher):
    dispatcher.active = False
    db.session.flush()
    response = console_sign_in(client, dispatcher)
    assert response.status_code == 422
    assert "This account is disabled" in response.get_data(as_text=True)
    chinese = client.post("/login?lang=zh", data={"email": dispatcher.email,
                                                  "password": PASSWORD})
    assert "此账户已停用" in chinese.get_data(as_text=True)
