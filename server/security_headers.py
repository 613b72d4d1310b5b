"""Security headers on every response: what a browser may load, frame or sniff.

* Pages (console, ``/verify``, the customer pages under ``/r/…``, the app's files): a
  Content-Security-Policy that runs only this site's own scripts (no inline script, no
  ``eval``), loads nothing from elsewhere, and lets no other site frame them. Inline
  *styles* are allowed: the board positions its jobs with ``style="left: …"`` and htmx
  adds its indicator style; a style cannot run code. A view that sets its own policy (the
  technician app's ``/app/``, which allows its import map by hash) keeps it.
* The API: ``default-src 'none'`` and ``sandbox``: a JSON answer or a stored blob opened
  in a tab is inert.
* Everywhere: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (older
  browsers), ``Referrer-Policy``, and HSTS when the request came over HTTPS (directly or
  through a proxy gunicorn trusts) or ``SESSION_COOKIE_SECURE`` says the site is HTTPS.
"""

from __future__ import annotations

from flask import Flask, request

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response):
    headers = response.headers
    api = request.path.startswith("/api/")
    # A PDF (a signed report) is shown by the browser's own viewer, which a policy would break.
    if "Content-Security-Policy" not in headers and response.mimetype != "application/pdf":
        headers["Content-Security-Policy"] = API_CSP if api else PAGE_CSP
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    from flask import current_app

    if request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
