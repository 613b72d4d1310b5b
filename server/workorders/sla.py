"""SLA deadlines from priority and type, on a configurable working-day calendar.

Emergencies run on the wall clock (a gas leak does not wait for Monday); every other tier
counts working time only: working days, working hours, holidays, in the company's time
zone. Grading compares "now" with the next deadline still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkingCalendar:
    timezone: str = "Asia/Shanghai"
    work_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays
    start: time = time(8, 0)
    end: time = time(18, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config) -> WorkingCalendar:
        start, end = (time.fromisoformat(t) for t in config["WORK_HOURS"].split("-"))
        return cls(
            timezone=config["DOORSTEP_TIMEZONE"],
            work_days=frozenset(config["WORK_DAYS"]),
            start=start,
            end=end,
            holidays=frozenset(date.fromisoformat(d) for d in config["HOLIDAYS"]),
        )

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.work_days and day not in self.holidays

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of working time after ``start`` (an aware datetime).

        A request after hours starts counting at the next working morning.
        """
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if not any(d in self.work_days for d in range(1, 8)):
            raise ValueError("the working calendar has no working days")
        zone = ZoneInfo(self.timezone)
        cursor = start.astimezone(zone)
        remaining = amount
        while True:
            day = cursor.date()
            opens = datetime.combine(day, self.start, zone)
            closes = datetime.combine(day, self.end, zone)
            if not self.is_working_day(day) or cursor >= closes:
                cursor = datetime.combine(day + timedelta(days=1), self.start, zone)
                continue
            cursor = max(cursor, opens)
            available = closes - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(UTC)
            remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), self.start, zone)


@dataclass(frozen=True)
class Tier:
    respond: timedelta
    resolve: timedelta
    wall_clock: bool = False


def _span(amount: float, unit: str, day: timedelta, wall_clock: bool) -> timedelta:
    """An amount of hours, or of days: working days of the calendar (24 h on the wall clock)."""
    if unit == "hours":
        return timedelta(hours=amount)
    return (timedelta(hours=24) if wall_clock else day) * amount


def tiers(policy: dict, day: timedelta) -> dict[str, Tier]:
    """Targets per priority from an SLA policy (``server.settings.service.DEFAULT_SLA`` is
    the shape and today's values); ``day`` is one working day of the calendar."""
    return {
        name: Tier(respond=_span(t["respond"], t["respond_unit"], day, t["wall_clock"]),
                   resolve=_span(t["resolve"], t["resolve_unit"], day, t["wall_clock"]),
                   wall_clock=t["wall_clock"])
        for name, t in policy["priorities"].items()
    }


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime


def compute_deadlines(
    priority: str, order_type: str, requested_at: datetime, calendar: WorkingCalendar,
    policy: dict | None = None,
) -> Deadlines:
    """Deadlines for a request received at ``requested_at`` under ``policy`` (the built-in
    default policy when None). Raises KeyError on a bad priority."""
    if policy is None:
        from ..settings.service import DEFAULT_SLA as policy
    tier = tiers(policy, calendar.day_length)[priority]
    if tier.wall_clock:  # an emergency is resolved on the clock, whatever the job type
        return Deadlines(requested_at + tier.respond, requested_at + tier.resolve)
    factor = policy["type_factors"].get(order_type, 1)
    return Deadlines(
        calendar.add_working_time(requested_at, tier.respond),
        calendar.add_working_time(requested_at, tier.resolve * factor),
    )


# Orders linked to a batch-failure incident (server.incidents): the company answers them
# first, from the moment they are linked; their deadlines only ever get tighter.
INCIDENT_TIER_KEY = "incident"


def incident_deadlines(linked_at: datetime, calendar: WorkingCalendar,
                       policy: dict | None = None) -> Deadlines:
    """The incident tier: the SLA policy's "high" targets (by default respond within 4
    working hours, resolve within 1 working day), counted from the link."""
    if policy is None:
        from ..settings.service import sla_policy as saved_policy

        policy = saved_policy()
    tier = tiers(policy, calendar.day_length)["high"]
    return Deadlines(calendar.add_working_time(linked_at, tier.respond),
                     calendar.add_working_time(linked_at, tier.resolve))


def complaint_deadline(received_at: datetime, calendar: WorkingCalendar) -> datetime:
    """Complaints are answered within one working day."""
    return calendar.add_working_time(received_at, calendar.day_length)


# Statuses after which the respond clock has stopped (someone is on site or has been).
RESPONDED = {
    "on_site", "awaiting_parts", "awaiting_customer", "completed", "signed", "closed",
}
RESOLVED = {"completed", "signed", "closed", "cancelled"}
# Yellow when less than this share of the window is left.
YELLOW_SHARE = 0.25


def running_deadline(order) -> tuple[str, datetime | None]:
    """The deadline the order is racing now: ``("respond", respond_by)`` until someone is
    on site (for non-emergencies: until an appointment is booked), then
    ``("resolve", resolve_by)``.

    ``server.workorders.grading`` says the same in SQL for the periodic sweep.
    """
    responded = order.status in RESPONDED or (
        order.priority != "emergency" and order.appointment_start is not None
    )
    return ("resolve", order.resolve_by) if responded else ("respond", order.respond_by)


def grade(order, now: datetime) -> str:
    """green / yellow / red for an order, judged on the next deadline still running.

    For non-emergencies the respond clock stops once an appointment is booked.
    """
    if order.status in RESOLVED:
        deadline_missed = (
            order.resolve_by is not None
            and order.completed_at is not None
            and order.completed_at > order.resolve_by
        )
        return "red" if deadline_missed else "green"
    _, deadline = running_deadline(order)
    if deadline is None:
        return "green"
    if now >= deadline:
        return "red"
    window = deadline - order.created_at
    if window.total_seconds() > 0 and (deadline - now) < window * YELLOW_SHARE:
        return "yellow"
    return "green"
