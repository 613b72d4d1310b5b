"""Every response says what a browser may run, frame and sniff; HTTPS sites add HSTS."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

PAGES = ["/login", "/verify", "/r/not-a-valid-link", "/orders"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_forbid_inline_scripts_framing_and_sniffing(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split(
        "script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_signed_in_console_pages_have_the_policy(client, dispatcher):
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    response = client.get("/orders")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_api_answers_are_inert_even_when_opened_in_a_tab(client):
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_app_page_has_its_policy_under_both_of_its_addresses(client):
    root = client.get("/app/")
    named = client.get("/app/index.html")
    assert named.status_code == 200
    assert "sha256-" in root.headers["Content-Security-Policy"]
    assert named.headers["Content-Security-Policy"] == root.headers["Content-Security-Policy"]
    assert named.headers["X-Frame-Options"] == "DENY"


def test_https_requests_get_hsts(client):
    response = client.get("/login", base_url="https://doorstep.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_secure_cookie_site_gets_hsts_behind_a_proxy(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert "Strict-Transport-Security" in client.get("/api/v1/auth/me").headers
