"""Issue 15, "Done when": a gas job cannot be completed until its safety checklist is
complete — offline, in real Chromium, in English and Chinese. The phone says what is
missing and keeps the Complete button off; the technician fills the checklist (a pressure
outside its limits is kept and flagged), completes, the customer signs, the phone syncs,
and the checklist is on the signed PDF (pdftotext) with the phone's hash accepted.
"""

from __future__ import annotations

import subprocess
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.checklists import demo
from server.checklists.models import ChecklistAnswer
from server.extensions import db
from server.media.models import Report
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)
from tests.e2e.test_visit_browser import signing_key  # noqa: F401 (fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"language": "English", "travel": "Start travel", "arrived": "Arrived",
           "on_site": "On site", "work": "Work", "resolution": "Resolution",
           "checklist": "Checklist", "complete": "Complete job", "completed": "Completed",
           "first": "The checklist is not complete.", "leak": "Gas leak test passed",
           "pressure": "Gas inlet pressure", "flue": "Flue checked", "ignition": "Ignition",
           "out": "Outside the limits", "done": "The checklist is complete.",
           "sign_off": "Customer sign-off", "signer": "Name of the person signing",
           "sign": "Confirm and sign", "signed": "Signed", "preview": "Checklist",
           "printed": ("CHECKLIST: GAS APPLIANCE SAFETY", "Gas leak test passed",
                       "Gas inlet pressure", "26.5 mbar", "Outside the limits",
                       "Ignition and flame checked", "Yes")},
    "zh": {"language": "中文", "travel": "出发", "arrived": "已到达", "on_site": "已到场",
           "work": "作业", "resolution": "处理结果", "checklist": "检查表", "complete": "完工",
           "completed": "已完工", "first": "检查表尚未完成。", "leak": "燃气泄漏检测合格",
           "pressure": "燃气进气压力", "flue": "烟道检查", "ignition": "点火及火焰检查",
           "out": "超出范围", "done": "检查表已完成。", "sign_off": "客户签字确认",
           "signer": "签字人姓名", "sign": "确认并签字", "signed": "已签字", "preview": "检查表",
           "printed": ("检查表: 燃气具安全检查", "燃气泄漏检测合格", "燃气进气压力",
                       "26.5 mbar", "超出范围", "点火及火焰检查正常", "是")},
}


def gas_job(language: str):
    """build_job's job on a gas water heater in warranty (no quote: this is about the
    checklist), with the demo's checklists."""
    job = build_job(language=language, in_warranty=True)
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    order.asset.category, order.asset.model = "water_heater", "JSQ31-C05"
    demo.seed(factories.make_user("admin"))
    db.session.flush()
    return job


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_gas_job_offline_waits_for_its_safety_checklist_then_prints_it(
        live_server, phone_context, committed, signing_key, tmp_path, language):  # noqa: F811
    w = WORDS[language]
    job = committed(lambda: gas_job(language))
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email, language=w["language"])

    phone_context.set_offline(True)
    page.reload()
    app.open_job(job.number)
    app.step(w["travel"])
    app.step(w["arrived"])
    app.status_is(w["on_site"])
    app.tab(w["work"])
    app.fill_field(w["resolution"], "Replaced the gas valve; tightness test passed")

    # The phone says what is missing and does not offer the completion.
    hint = page.get_by_test_id("checklist-first")
    expect(hint).to_contain_text(w["first"])
    for item in ("leak", "pressure", "flue", "ignition"):
        expect(hint).to_contain_text(w[item])
    complete = page.locator(".stepbar").get_by_role("button", name=w["complete"], exact=True)
    expect(complete).to_be_disabled()
    app.screenshot(f"checklist-missing-{language}")

    app.tab(w["checklist"])
    page.get_by_label(w["leak"]).check()
    pressure = page.get_by_label(w["pressure"])
    pressure.fill("26.50")
    pressure.blur()
    expect(page.get_by_test_id("out-of-limits")).to_contain_text(w["out"])
    page.get_by_label(w["flue"]).check()
    expect(hint).to_contain_text(w["ignition"])
    expect(hint).not_to_contain_text(w["leak"])
    page.get_by_label(w["ignition"]).check()
    expect(page.get_by_test_id("checklist-complete")).to_contain_text(w["done"])
    expect(hint).to_have_count(0)
    app.screenshot(f"checklist-filled-{language}")

    app.step(w["complete"])
    app.status_is(w["completed"])
    page.locator(".stepbar").get_by_role("link", name=w["sign_off"]).click()
    preview = page.get_by_test_id("report-checklist")
    expect(preview).to_contain_text(w["leak"])
    expect(preview).to_contain_text("26.5 mbar")
    app.draw_signature()
    page.get_by_label(w["signer"]).fill("王秀英" if language == "zh" else "Alice Smith")
    page.get_by_role("button", name=w["sign"]).click()
    app.status_is(w["signed"])

    phone_context.set_offline(False)
    app.wait_synced(timeout=60_000)

    def server():
        oid = uuid.UUID(job.order_id)
        return {"status": db.session.get(WorkOrder, oid).status,
                "answers": sorted((a.item_key, a.value, a.out_of_limits) for a in
                                  db.session.scalars(select(ChecklistAnswer).where(
                                      ChecklistAnswer.work_order_id == oid))),
                "report": db.session.scalar(select(Report.status).where(
                    Report.work_order_id == oid))}

    state = read(server)
    assert state["status"] == "signed"
    assert state["answers"] == [("flue", "yes", False), ("ignition", "yes", False),
                                ("inlet_pressure", "26.5", True), ("leak_test", "yes", False)]
    for _ in range(60):  # rendered in the background, only when the phone's hash matched
        if state["report"] in ("ready", "failed", "hash_mismatch"):
            break
        time.sleep(1)
        state = read(server)
    assert state["report"] == "ready", state

    token = page.request.post(f"{live_server}/api/v1/auth/token", data={
        "email": job.email, "password": factories.PASSWORD, "device_name": "pdf"}).json()["token"]
    pdf = page.request.get(f"{live_server}/api/v1/workorders/{job.order_id}/report/pdf",
                           headers={"Authorization": f"Bearer {token}"})
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.body())
    printed = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                             text=True, timeout=60).stdout
    for needle in w["printed"]:
        assert needle in printed, needle
    assert not app.errors
