"""The same offline job in Simplified Chinese: a Chinese-speaking technician and customer,
an in-warranty appliance (nothing to pay), Chinese part names on the signed report.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.media.models import Photo, Signature
from server.reports.content import content_hash, signed_content
from server.workorders.models import WorkOrder
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    photos_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_a_job_done_offline_in_chinese(live_server, phone_context, committed, photos):
    job = committed(lambda: build_job(language="zh", in_warranty=True))
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email, language="中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="我的工单")).to_be_visible()
    expect(page.locator(".job-list")).to_contain_text("王秀英")
    app.screenshot("jobs-zh")

    phone_context.set_offline(True)
    page.reload()
    expect(app.pill).to_contain_text("离线")
    app.open_job(job.number)
    expect(page.locator(".card").first).to_contain_text("上门")
    app.screenshot("job-overview-zh")
    app.step("出发")
    app.status_is("在途")
    app.step("已到达")
    app.status_is("已到场")

    app.tab("作业")
    app.fill_field("故障诊断", "室外风机电容鼓包，风机不转")
    page.get_by_label("故障原因").select_option("wear_and_tear")
    app.fill_field("处理结果", "更换运行电容，试机30分钟制冷正常")
    app.screenshot("job-work-zh")

    app.tab("配件")
    app.use_part("电容", confirm="使用")
    expect(page.get_by_test_id("parts-used")).to_contain_text("运行电容 35µF")
    expect(page.get_by_test_id("charges")).to_contain_text("保修期内：免费。")
    app.screenshot("job-parts-zh")

    app.tab("照片")
    app.add_photos("before", photos[:1])
    app.add_photos("after", photos[1:2])
    expect(page.locator(".photo-tile").first).to_contain_text("等待上传")
    app.screenshot("job-photos-zh")

    app.step("完工")
    app.status_is("已完工")
    page.locator(".stepbar").get_by_role("link", name="客户签字确认").click()
    preview = page.get_by_test_id("report-preview")
    expect(preview).to_contain_text("服务报告")
    expect(preview).to_contain_text("运行电容 35µF")
    expect(preview).to_contain_text("保修期内")
    app.draw_signature()
    page.get_by_label("签字人姓名").fill("王秀英")
    page.locator(".star").nth(4).click()
    page.get_by_label("留言（可选）").fill("师傅很专业，谢谢！")
    app.screenshot("job-sign-zh")
    page.get_by_role("button", name="确认并签字").click()
    expect(page.get_by_test_id("signed")).to_contain_text("王秀英")
    app.status_is("已签字")
    app.screenshot("job-signed-zh")

    phone_context.set_offline(False)
    app.wait_synced(timeout=60_000)
    expect(app.pill).to_contain_text("已同步")

    def server():
        oid = uuid.UUID(job.order_id)
        order = db.session.get(WorkOrder, oid)
        content = signed_content(order)
        signature = db.session.scalar(select(Signature).where(Signature.work_order_id == oid))
        return {"status": order.status, "content": content,
                "expected": content_hash(content), "signed": signature.content_hash,
                "signer": signature.signer_name,
                "photos": sorted(p.status for p in db.session.scalars(
                    select(Photo).where(Photo.work_order_id == oid)))}

    state = read(server)
    assert state["status"] == "signed"
    assert state["signer"] == "王秀英"
    assert state["content"]["language"] == "zh"
    assert state["content"]["parts"][0]["name"] == "运行电容 35µF"
    assert state["content"]["charges"]["in_warranty"] is True
    assert state["content"]["charges"]["total_cents"] == 0
    assert state["photos"] == ["ready", "ready"]
    assert state["signed"] == state["expected"]
    assert not app.errors
