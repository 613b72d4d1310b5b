"""A warranty claim's own photos in real Chromium, in English and Chinese: the office adds
the rating plate's photo on the draft claim, sees its thumbnail, opens it full size in the
lightbox (the order page's), removes it, and is refused a file that is not an image."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.models import User
from server.extensions import db
from server.warranty import service
from tests import factories
from tests.e2e.test_warranty_browser import build

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"photo": "Photo", "caption": "Caption", "add": "Add the photo",
           "added": "Photo added to the claim.", "remove": "Remove",
           "removed": "Photo removed from the claim.", "none": "No photos.",
           "bad": "This file is not an image we can use"},
    "zh": {"photo": "照片", "caption": "说明", "add": "添加照片",
           "added": "照片已添加到索赔。", "remove": "删除",
           "removed": "照片已从索赔中删除。", "none": "没有照片",
           "bad": "此文件不是可用的图片"},
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_photo_on_the_claim_opens_in_the_lightbox_and_can_be_removed(
        language, live_server, committed, browser):
    def made():
        data = build(language)
        office = db.session.scalar(select(User).where(User.email == data["dispatcher"]))
        claim = service.create_claim(office, uuid.UUID(data["order"]))
        return dict(data, claim=str(claim.id))
    data = committed(made)
    words = WORDS[language]
    context = browser.new_context(locale="zh-CN" if language == "zh" else "en-US",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", data["dispatcher"])
        page.fill("input[name=password]", factories.PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{live_server}/warranty/claims/{data['claim']}")
        form = page.locator("#claim-photo-upload")
        form.get_by_label(words["photo"]).set_input_files(
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image"})
        form.get_by_role("button", name=words["add"]).click()
        expect(page.locator("p.error[role=alert]")).to_contain_text(words["bad"])

        form = page.locator("#claim-photo-upload")
        form.get_by_label(words["photo"]).set_input_files(
            {"name": "plate.png", "mimeType": "image/png", "buffer": _png()})
        form.get_by_label(words["caption"]).fill("Rating plate / 铭牌")
        form.get_by_role("button", name=words["add"]).click()
        expect(page.locator(".flash, [role=status], .messages").first).to_contain_text(
            words["added"])
        thumb = page.locator(".claim-photos a[data-full] img")
        expect(thumb).to_have_count(1)
        assert page.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0
        thumb.click()
        box = page.locator("dialog#lightbox")
        expect(box).to_be_visible()
        expect(box.locator("figcaption")).to_contain_text("Rating plate / 铭牌")
        page.keyboard.press("Escape")
        expect(box).to_be_hidden()
        page.locator(".claim-photos").get_by_role("button", name=words["remove"]).click()
        expect(page.locator(".claim-photos")).to_have_count(0)
        expect(page.locator("section[aria-labelledby=claim-photos-title]")).to_contain_text(
            words["none"])
    finally:
        context.close()
