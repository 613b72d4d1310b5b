"""Demo quality checks: the last weeks' samples, most of them reviewed (some items failed,
so there are corrective actions, a few already done), and supervisor evaluations."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..accounts.models import User
from ..extensions import db
from ..technicians.models import Technician
from . import service
from .models import CHECKLIST

FINDINGS = {
    "photos": ("没有拍维修后的照片。", "No photo after the repair."),
    "diagnosis": ("诊断写的是风扇，但换的是电容。",
                  "Diagnosis says fan, but a capacitor was fitted."),
    "parts": ("更换了两个电容，一个就够了。",
              "Two capacitors fitted where one would do."),
    "charges": ("保内维修收了上门费。", "Travel charged on an in-warranty repair."),
    "signature_report": ("报告缺少故障原因。", "The report leaves out the root cause."),
    "followup_feedback": ("回访时客户说没讲清楚使用注意事项。",
                          "At the follow-up the customer said nothing was explained."),
}
EVALUATIONS = (
    (5, "客户多次表扬，现场整洁。", "Customers praise him; leaves the site tidy."),
    (4, "技术扎实，偶尔迟到。", "Solid work, now and then late."),
    (3, "报告写得太简单，需要加强。", "Reports too thin; needs to write more."),
)


def seed(now: datetime, rng: random.Random, reviewer: User,
         technicians: list[tuple[Technician, str]]) -> None:
    """Draw the samples of the three weeks before ``now``, review all but the latest week,
    and evaluate each technician for the last two months."""
    zh = {tech.id for tech, language in technicians if language == "zh"}
    this_week = service.week_of(service.local_today(now))
    for weeks_back in (3, 2, 1):
        week = this_week - timedelta(days=7 * weeks_back)
        service.sample_week(week, share=0.3, seed=f"demo-{weeks_back}")
        if weeks_back == 1:
            continue  # last week's sample waits for a reviewer
        for review in service.queue(week=week, state="to_review"):
            failed = [code for code in CHECKLIST if rng.random() < 0.12]
            lang = 0 if review.technician_id in zh else 1
            items = [{"item": code, "passed": code not in failed,
                      "note": FINDINGS[code][lang] if code in failed else None}
                     for code in CHECKLIST]
            service.score(reviewer, review, items)
            review.reviewed_at = min(now, datetime.combine(
                week + timedelta(days=8), datetime.min.time(), now.tzinfo)
                + timedelta(hours=rng.randint(1, 8)))
    # The older week's actions have been put right.
    for action in service.actions(state="open"):
        if action.review.week_start == this_week - timedelta(days=21):
            lang = 0 if action.technician_id in zh else 1
            service.complete_action(reviewer, action, ("已当面讲解并补拍照片。",
                                                       "Talked it through; photos added.")[lang])
    first = service.local_today(now).replace(day=1)
    last_month_end = first - timedelta(days=1)
    for n, (tech, language) in enumerate(technicians):
        for start, end in ((last_month_end.replace(day=1), last_month_end),
                           (first, service.local_today(now))):
            score, text_zh, text_en = EVALUATIONS[(n + start.month) % len(EVALUATIONS)]
            service.evaluate(reviewer, tech.id, score, text_zh if language == "zh" else text_en,
                             start, end)
    db.session.flush()
