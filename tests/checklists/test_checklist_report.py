"""The checklist answers are part of what the customer signs (the phone's hash and the
server's agree) and are printed on the signed PDF, in English and Chinese, with a number
outside its limits flagged; the console's order page shows them on the visit record."""

from __future__ import annotations

import pytest

from server.checklists import demo
from server.extensions import db
from tests.api.test_reports import (  # noqa: F401 (fixtures)
    _signing_key_outside_the_instance_folder,
    pdf_of,
    pdftotext,
    report_of,
    signing_dir,
    visit_for,
    zh_labels,
)
from tests.factories import PASSWORD
from tests.report_scenario import new_id


def _gas_visit(visit_for, language):
    visit = visit_for(language)
    asset = visit.order.asset
    asset.category, asset.model = "water_heater", "JSQ31-C05"
    db.session.flush()
    visit.phone.pull()
    return visit


def _fill(visit, answers):
    templates = {t["name_en"]: t for t in visit.phone.rows("checklist_template").values()}
    gas = templates["Gas appliance safety"]
    for key, value in answers:
        visit.push("fill_checklist_item", answer_id=new_id(), template_id=gas["id"],
                   template_version=gas["version"], item_key=key, value=value,
                   device_time=visit.phone.now())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_signed_pdf_prints_the_checklist(visit_for, admin, tmp_path, language, zh_labels,
                                             client, dispatcher):
    demo.seed(admin)
    visit = _gas_visit(visit_for, language)
    visit.work("Gas valve seal perished", "Replaced the gas valve")
    visit.phone.queue("transition", {"order_id": visit.order_id, "to": "completed",
                                     "device_time": visit.phone.now()})
    result = visit.phone.push().get_json()["results"][-1]
    assert result["status"] == "rejected" and result["reason"] == "checklist_incomplete"
    _fill(visit, [("leak_test", "yes"), ("inlet_pressure", "27.0"), ("flue", "yes"),
                  ("ignition", "yes")])
    visit.complete(rating=5)
    visit.sign("王秀英" if language == "zh" else "Alice Smith")
    report = report_of(visit)
    assert report.status == "ready", report.failure_reason  # the phone's hash matched
    text = pdftotext(tmp_path, pdf_of(visit))
    if language == "zh":
        expected = ("检查表: 燃气具安全检查", "燃气具安全检查", "燃气泄漏检测合格", "燃气进气压力", "27 mbar",
                    "超出范围", "点火及火焰检查正常", "是")
    else:
        expected = ("CHECKLIST: GAS APPLIANCE SAFETY", "Gas appliance safety", "Gas leak test passed",
                    "Gas inlet pressure", "27 mbar", "Outside the limits",
                    "Ignition and flame checked", "Yes")
    for needle in expected[:1] + expected[2:]:  # headings are printed in capitals
        assert needle in text, needle
    # The office sees the same answers on the order page's visit record.
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    page = client.get(f"/orders/{visit.order.id}?lang={language}").get_data(as_text=True)
    for needle in expected[1:5]:
        assert needle in page, needle
