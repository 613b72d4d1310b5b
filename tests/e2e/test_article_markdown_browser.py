"""The phone shows an article as the console does — headings, lists, a table, links,
emphasis, strikethrough and its image, offline — from the sanitised HTML the pull brings;
a raw <script> stays text, a javascript: link is no link, nothing runs. English and
Chinese."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from server.extensions import db
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    make_jpeg,
    phone_context_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

BODY = {
    "en": ("# Descaling\n\nBefore you start:\n\n- Close the **cold inlet**\n- Drain *slowly*\n\n"
           "1. Open the valve\n2. Flush\n\n| Hardness | Interval |\n|---|---|\n"
           "| soft | 24 months |\n| hard | 6 months |\n\n"
           "See [the manual](https://example.com/e60.pdf). ~~Old advice~~\n\n"
           "<script>window.__owned = 1</script> [trap](javascript:window.__owned=2)\n\n"
           "![the valve](kb:{sha})"),
    "zh": ("# 除垢\n\n开始之前：\n\n- 关闭**冷水进水阀**\n- *慢慢*排水\n\n"
           "1. 打开阀门\n2. 冲洗\n\n| 水质 | 周期 |\n|---|---|\n| 软水 | 24 个月 |\n"
           "| 硬水 | 6 个月 |\n\n参见[说明书](https://example.com/e60.pdf)。~~旧建议~~\n\n"
           "<script>window.__owned = 1</script> [陷阱](javascript:window.__owned=2)\n\n"
           "![阀门](kb:{sha})"),
}
EXPECT = {
    "en": {"button": "English", "title": "Descaling the heater", "h1": "Descaling",
           "bold": "cold inlet", "em": "slowly", "cell": "24 months", "link": "the manual",
           "s": "Old advice", "trap": "trap"},
    "zh": {"button": "中文", "title": "热水器除垢", "h1": "除垢", "bold": "冷水进水阀",
           "em": "慢慢", "cell": "24 个月", "link": "说明书", "s": "旧建议", "trap": "陷阱"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_phone_shows_the_full_article_offline_and_safely(
        live_server, phone_context, committed, tmp_path, lang):
    want = EXPECT[lang]

    def build():
        from server.knowledge import service
        from server.knowledge.images import add_image

        job = build_job(language=lang)
        office = factories.make_user("dispatcher", name="Office Writer")
        picture = tmp_path / "valve.jpg"
        make_jpeg(picture, width=240, height=160)
        image = add_image(office, io.BytesIO(picture.read_bytes()), 10_000_000)
        article = service.create_article(office, {
            "title": EXPECT["en"]["title"], "language": "en",
            "body": BODY["en"].format(sha=image.sha256),
            "translation_title": EXPECT["zh"]["title"],
            "translation_body": BODY["zh"].format(sha=image.sha256),
            "category": "air_conditioner", "models": [], "symptoms": [], "tags": []})
        db.session.flush()
        return job, str(article.id)

    job, article_id = committed(build)
    phone = phone_context.new_page()
    tech = TechnicianApp(phone, live_server)
    tech.sign_in(job.email, language=want["button"])  # the sync brings article and image

    phone_context.set_offline(True)
    phone.goto(f"{live_server}/app/#/knowledge/{article_id}")
    body = phone.locator(".article-html")
    expect(phone.locator(".article-heading")).to_have_text(want["title"])
    expect(body.locator("h1")).to_have_text(want["h1"])
    expect(body.locator("ul > li")).to_have_count(2)
    expect(body.locator("ol > li")).to_have_count(2)
    expect(body.locator("strong")).to_have_text(want["bold"])
    expect(body.locator("em")).to_have_text(want["em"])
    expect(body.locator("s")).to_have_text(want["s"])
    expect(body.locator("table tbody tr")).to_have_count(2)
    expect(body.locator("table td").nth(1)).to_have_text(want["cell"])
    link = body.get_by_role("link", name=want["link"])
    expect(link).to_have_attribute("href", "https://example.com/e60.pdf")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    # Safely: the script is shown as text and never ran; the javascript: link is no link.
    expect(body).to_contain_text("<script>window.__owned = 1</script>")
    expect(body.locator("script")).to_have_count(0)
    expect(body.get_by_role("link", name=want["trap"])).to_have_count(0)
    expect(body.locator("a[href^='javascript']")).to_have_count(0)
    assert phone.evaluate("() => window.__owned === undefined")
    # The image, offline, from the phone's own copy.
    shown = body.locator("img.article-image")
    expect(shown).to_be_visible()
    assert shown.get_attribute("src").startswith("blob:")
    assert shown.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 240
    assert tech.errors == []
