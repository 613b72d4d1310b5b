"""The public address and the e-mail sender name are company settings an admin sets under
/admin/settings: customer links, report links, verification links and e-mails use what is
saved; with nothing saved, the environment's values, as before an upgrade. Bad values are
refused by field name and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.messaging.channels import channel_for
from server.portal import links
from server.settings import service as settings
from server.settings.models import Setting
from tests import factories


def _login(client, admin):
    assert client.post("/login", data={"email": admin.email,
                                       "password": factories.PASSWORD}).status_code == 302


def _company_form(**changes) -> dict:
    values = settings.effective_company()
    opens, closes = values["WORK_HOURS"].split("-")
    form = {"name": values["DOORSTEP_COMPANY_NAME"], "address": values["DOORSTEP_COMPANY_ADDRESS"],
            "phone": values["DOORSTEP_COMPANY_PHONE"], "locale": values["DOORSTEP_LOCALE"],
            "currency": values["DOORSTEP_CURRENCY"], "timezone": values["DOORSTEP_TIMEZONE"],
            "work_days": [str(d) for d in values["WORK_DAYS"]], "opens": opens,
            "closes": closes, "holidays": "\n".join(values["HOLIDAYS"])}
    form.update(changes)
    return form


def test_with_nothing_saved_links_and_the_sender_come_from_the_environment(app, make_order):
    order = make_order()
    url = links.url_of(links.ensure_link(order))
    assert url.startswith(app.config["DOORSTEP_PUBLIC_URL"].rstrip("/") + "/c/")
    assert settings.sender_name() == app.config["DOORSTEP_COMPANY_NAME"]
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", SMTP_FROM="Doorstep <desk@example.test>")
    # SMTP_FROM written with a name keeps it while no sender name is set (as before).
    assert channel_for("email").sender == "Doorstep <desk@example.test>"


def test_an_admin_sets_the_public_address_and_the_sender_name(app, client, admin, make_order):
    _login(client, admin)
    response = client.post("/admin/settings", data=_company_form(
        public_url="https://service.acme.example/", sender_name="Acme Service Desk"))
    assert response.status_code == 302
    assert settings.public_url() == "https://service.acme.example"
    audited = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "settings.company_updated")))
    assert {event.data["key"] for event in audited} == {"DOORSTEP_PUBLIC_URL",
                                                       "MAIL_SENDER_NAME"}
    # Customer links (and their QR codes) start with it.
    order = make_order()
    assert links.url_of(links.ensure_link(order)).startswith("https://service.acme.example/c/")
    # E-mails come from the name set, at SMTP_FROM's address.
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", SMTP_FROM="Doorstep <desk@example.test>")
    assert channel_for("email").sender == "Acme Service Desk <desk@example.test>"
    # The page shows what is in force.
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="https://service.acme.example"' in page
    assert 'value="Acme Service Desk"' in page


def test_an_empty_sender_name_means_the_company_s_name(app, client, admin):
    _login(client, admin)
    assert client.post("/admin/settings", data=_company_form(
        name="Acme Service", sender_name="")).status_code == 302
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", SMTP_FROM="desk@example.test")
    assert channel_for("email").sender == "Acme Service <desk@example.test>"


def test_a_form_without_the_new_fields_keeps_them(client, admin):
    _login(client, admin)
    before = settings.public_url()
    form = _company_form(name="Acme Service")
    assert client.post("/admin/settings", data=form).status_code == 302
    assert settings.public_url() == before
    assert db.session.get(Setting, "DOORSTEP_PUBLIC_URL") is None


def test_bad_public_address_and_sender_name_are_refused_by_field(client, admin):
    _login(client, admin)
    for lang, words in (("en", ("An address such as https://", "A name of at most 80")),
                        ("zh", ("例如 https://", "最多 80 个字符"))):
        response = client.post(f"/admin/settings?lang={lang}", data=_company_form(
            public_url="javascript:alert(1)", sender_name="Evil\r\nBcc: x@example.test"))
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert all(word in body for word in words), lang
    for url in ("ftp://example.test", "https://example.test/?q=1", "https://", ""):
        response = client.post("/admin/settings", data=_company_form(public_url=url))
        assert response.status_code == 422, url
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


# -- the logo ---------------------------------------------------------------------------------

def _png(size=(800, 300), color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _upload(client, data: bytes, name="logo.png", lang="en"):
    import io

    return client.post(f"/admin/settings/logo?lang={lang}",
                       data={"logo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_uploaded_logo_is_checked_resized_stored_and_used(client, admin, make_order):
    from PIL import Image

    from server.reports.render import _logo

    _login(client, admin)
    assert client.get("/company/logo").status_code == 404  # none yet
    assert _upload(client, _png()).status_code == 302
    assert "COMPANY_LOGO" in {e.data["key"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "settings.company_updated"))}
    # Re-encoded to fit 600 × 240 px, kept in the blob store, served to pages.
    served = client.get("/company/logo")
    assert served.status_code == 200 and served.mimetype in ("image/png", "image/jpeg")
    import io

    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (600, 225)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # Reports and quotes print it (both take the letterhead from here).
    assets: dict = {}
    assert _logo(assets) == "doorstep-asset:logo"
    assert assets["doorstep-asset:logo"][0] == served.data
    # The customer's page shows it.
    from server.portal import links

    order = make_order()
    token = links.token_of(links.ensure_link(order))
    assert 'src="/company/logo"' in client.get(f"/c/{token}").get_data(as_text=True)
    # Customers' e-mails show it from the company's public address.
    import re

    from server.messaging import content

    message = content.sample("booking_confirmation", "email", "zh")
    html = content.envelope_for(message, url="https://example.test/c/x").html
    assert re.search(r'<img src="http://localhost:5000/company/logo\?v=[0-9a-f]{12}"', html)
    # The settings page shows it, and removing it goes back to the configured logo (none).
    assert 'src="/company/logo"' in client.get("/admin/settings").get_data(as_text=True)
    assert client.post("/admin/settings/logo", data={"remove": "1"}).status_code == 302
    assert client.get("/company/logo").status_code == 404
    assert _logo({}) is None
    assert "<img" not in content.envelope_for(message, url="https://example.test/c/x").html


def test_a_logo_that_is_not_a_safe_image_is_refused_by_field(client, admin):
    _login(client, admin)
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
           b'<script>alert(1)</script></svg>')
    refusals = [(svg, "logo.svg"), (b"just text, not an image", "logo.png"),
                (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "logo.png"),  # a broken PNG
                (_png()[:200], "logo.png")]  # cut short
    for data, name in refusals:
        response = _upload(client, data, name)
        assert response.status_code == 422, name
        assert "This is not a PNG, JPEG or WebP image" in response.get_data(as_text=True)
    too_big = _upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 1))
    assert too_big.status_code == 422
    assert "at most 2 MB" in too_big.get_data(as_text=True)
    nothing = client.post("/admin/settings/logo", data={}, content_type="multipart/form-data")
    assert nothing.status_code == 422
    chinese = _upload(client, svg, "logo.svg", lang="zh")
    assert "这不是 PNG、JPEG 或 WebP 图片" in chinese.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


def test_only_an_admin_may_upload_a_logo(client, make_user):
    dispatcher = make_user("dispatcher")
    assert client.post("/login", data={"email": dispatcher.email,
                                       "password": factories.PASSWORD}).status_code == 302
    assert _upload(client, _png()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
