"""Service reports: render, size, signing and verification of a one-page report.

Targets (issue 5), for a one-page report with 4 photos taken from 12-megapixel originals:
render ≤ 150 ms median warm in English and ≤ 400 ms in Chinese; PDF ≤ 400 KB; signing
≤ 100 ms; verification ≤ 50 ms. The naive figure embeds the 12-megapixel originals
instead of print-size images, to show what the renditions save.

The visit goes through the real paths (photos uploaded as a phone does, mutations pushed,
the render job run on the signature); the timings then repeat each step on that order.
"""

from __future__ import annotations

import os
import tempfile
import time

from _world import backend, make_app, report

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TEXT = {
    "en": dict(name="Alice Smith", fault="Not cooling; the outdoor unit rattles",
               diagnosis="The run capacitor had failed and the fan motor bearing is worn.",
               resolution="Replaced the capacitor and the fan motor, cleaned both filters, "
                          "tested cooling for 20 minutes.", captions=("Outdoor unit", "Filter"),
               comment="On time, careful and tidy."),
    "zh": dict(name="王秀英", fault="空调不制冷，室外机有异响",
               diagnosis="压缩机启动电容失效，风扇电机轴承磨损",
               resolution="更换启动电容和风扇电机，清洗过滤网，试机 20 分钟制冷正常",
               captions=("室外机", "过滤网"), comment="师傅很专业，准时到达，收拾得很干净"),
}



def timed(fn, repeat: int) -> dict:
    """Median and p95 wall time, and median CPU time of this process (ms).

    The CPU figure is what the step costs; the wall figure also counts waiting for a core,
    which on a busy machine can be most of it.
    """
    import statistics

    from _world import percentile

    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(wall), 1),
            "p95_ms": round(percentile(wall, 95), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1), "runs": repeat}

def signed_visit(app, client, language: str, originals: list[bytes]):
    """An order worked, photographed (4 × 12 MP) and signed; returns (order id, report id)."""
    from sqlalchemy import select

    from server.extensions import db
    from server.inventory.models import StockLevel, StockLocation
    from server.media.models import Report
    from tests import factories
    from tests.report_scenario import Visit
    from tests.sync.phone import Phone

    text = TEXT[language]
    office = factories.make_user("dispatcher")
    tech = factories.make_technician(name="王师傅" if language == "zh" else "Sam Lee")
    customer = factories.make_customer(name=text["name"], language=language)
    asset = factories.make_asset(customer, warranty_days=-30)
    order = factories.make_order(actor=office, customer=customer, asset=asset,
                                 language=language, description=text["fault"])
    factories.walk_to(order, "scheduled", office, tech)
    van = db.session.scalar(select(StockLocation).where(StockLocation.technician_id == tech.id))
    parts = factories.make_part(4500), factories.make_part(12800)
    for part in parts:
        db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=5))
    db.session.commit()
    visit = Visit(client, Phone(client, tech), order)
    db.session.commit()
    visit.arrive().work(text["diagnosis"], text["resolution"],
                        parts=((parts[0], 2), (parts[1], 1), (parts[0], -1)))
    for index, data in enumerate(originals):
        visit.take_photo(("before", "after")[index % 2], data,
                         caption=text["captions"][index // 2 % 2])
    visit.complete(rating=5, comment=text["comment"])
    visit.sign(text["name"])
    db.session.expire_all()
    report_row = db.session.scalar(select(Report).where(Report.work_order_id == order.id))
    assert report_row.status == "ready", report_row.failure_reason
    return order.id, report_row.id


def measure(app, order_id, report_id, originals: list[bytes] | None = None) -> dict:
    """Warm medians of each step for one order; ``originals`` embeds them (naive)."""
    from unittest import mock

    from server.extensions import db
    from server.media.models import Report, Signature
    from server.reports import render, service, signing
    from server.workorders.models import WorkOrder

    order = db.session.get(WorkOrder, order_id)
    report_row = db.session.get(Report, report_id)
    signature = db.session.get(Signature, report_row.signature_id)
    originals_by_sha = None
    if originals is not None:
        from tests.report_scenario import sha

        originals_by_sha = {sha(data): data for data in originals}

    def image(sha256, box):
        if originals_by_sha and sha256 in originals_by_sha:
            return originals_by_sha[sha256], "image/jpeg"
        return real_image(sha256, box)

    real_image = render._image
    result = {}
    with mock.patch.object(render, "_image", image):
        def build_and_render():
            page = render.build_page(order, report_row, signature, report_row.content_hash)
            result["pdf"], result["place"] = render.render_pdf(page)
            result["page"] = page

        build_and_render()
        build_and_render()  # warm: fonts, templates, imports
        figures = {"render": timed(build_and_render, RUNS)}
    pdf = result["pdf"]

    def sign():
        result["signed"] = signing.sign_pdf(pdf, result["place"], reason="bench",
                                            location=None, verify_url=result["page"].verify_url)

    sign()
    figures["sign"] = timed(sign, RUNS)
    signed = result["signed"]
    signing.check_pdf(signed)
    figures["verify_signature"] = timed(lambda: signing.check_pdf(signed), RUNS)
    figures["verify_with_records"] = timed(lambda: service.verify_document(signed), RUNS)
    assert service.verify_document(signed).check.ok
    figures["pdf_bytes_unsigned"] = len(pdf)
    figures["pdf_bytes_signed"] = len(signed)
    db.session.rollback()
    return figures


def main():
    from server.tasks import huey
    from tests.report_scenario import install_report_translations, photo

    huey.immediate = True  # the render job runs on the signature, in this process
    app = make_app("reports")
    instance = tempfile.mkdtemp(prefix="doorstep-bench-instance-")
    app.config.update(REPORT_SIGNING_CERT=f"{instance}/cert.pem",
                      REPORT_SIGNING_KEY=f"{instance}/key.pem", KEEP_PHOTO_ORIGINALS=False)
    started = time.perf_counter()
    originals = [photo(4000, 3000, seed=40 + i, quality=92, grain=0.18) for i in range(4)]
    print(f"made 4 12-MP originals ({sum(map(len, originals)) // 1024} KB) in "
          f"{time.perf_counter() - started:.1f} s")
    client = app.test_client()
    figures = {"backend": backend(app), "photos": 4,
               "original_photo_bytes": [len(data) for data in originals]}
    with app.app_context():
        install_report_translations()  # Chinese labels, until the catalogue has them
        visits = {language: signed_visit(app, client, language, originals)
                  for language in ("en", "zh")}
        for language, (order_id, report_id) in visits.items():
            figures[language] = measure(app, order_id, report_id)
        figures["naive_en_originals_embedded"] = measure(app, *visits["en"],
                                                         originals=originals)
    figures["targets"] = {"render_en_ms": 150, "render_zh_ms": 400, "pdf_bytes": 400_000,
                          "sign_ms": 100, "verify_ms": 50}
    report("reports", figures)


if __name__ == "__main__":
    main()
