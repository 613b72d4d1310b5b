"""The "on the way" ETA: from where the technician set off, else from their previous job."""

from datetime import timedelta

from server.database import utcnow
from server.messaging.eta import distance_km, estimate


def test_distance_is_the_great_circle_distance():
    # Shanghai People's Square to Pudong airport: about 30 km as the crow flies.
    assert 29 < distance_km((31.2304, 121.4737), (31.1443, 121.8083)) < 34


def test_without_a_position_the_eta_starts_from_the_previous_job(
        app, make_order, make_customer, make_technician, dispatcher):
    from server.workorders import service as orders

    tech = make_technician()
    start = utcnow() + timedelta(hours=1)
    before = make_customer()
    before.addresses[0].latitude, before.addresses[0].longitude = 31.19 + 5 / 111.2, 121.44
    earlier = make_order(actor=dispatcher, customer=before)
    orders.update_order(dispatcher, earlier, {"assignee_id": tech.id,
                                              "appointment_start": start - timedelta(hours=2),
                                              "appointment_end": start - timedelta(hours=1)})
    order = make_order(actor=dispatcher)  # its address is at 31.19, 121.44
    orders.update_order(dispatcher, order, {"assignee_id": tech.id, "appointment_start": start,
                                            "appointment_end": start + timedelta(hours=1)})
    departed = utcnow()
    eta = estimate(order, None, None, departed)
    # 5 km at 25 km/h: 12 minutes.
    assert eta == departed + timedelta(minutes=12)


def test_no_coordinates_means_no_eta(make_order):
    order = make_order()
    order.address.latitude = None
    assert estimate(order, 31.2, 121.4, utcnow()) is None


def test_a_pushed_en_route_without_a_position_times_the_trip_from_the_previous_job(
        api_as, make_order, make_customer, make_technician, dispatcher):
    """The phone had no fix when the technician set off: the "on the way" message queued
    by the push (inside its write, the session not flushing) still finds the job before."""
    from sqlalchemy import select

    from server.extensions import db
    from server.messaging.models import Message
    from server.workorders import service as orders

    tech = make_technician()
    earlier_customer = make_customer()
    address = earlier_customer.addresses[0]
    address.latitude, address.longitude = 31.19 + 5 / 111.2, 121.44  # 5 km north
    earlier = make_order(actor=dispatcher, customer=earlier_customer, status="scheduled",
                         assignee=tech)
    order = make_order(actor=dispatcher, status="scheduled", assignee=tech)
    start = order.appointment_start
    orders.update_order(dispatcher, earlier, {"appointment_start": start - timedelta(hours=2),
                                              "appointment_end": start - timedelta(hours=1)})
    db.session.commit()

    response = api_as(tech.user).post("/api/v1/sync/push", json={"protocol": 1, "mutations": [
        {"id": 1, "name": "transition", "version": 2,
         "args": {"order_id": str(order.id), "to": "en_route",
                  "device_time": utcnow().isoformat()}}]})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["status"] == "applied"
    departed = orders.history(order)[-1].server_time
    rows = db.session.scalars(select(Message).where(
        Message.work_order_id == order.id, Message.kind == "on_the_way")).all()
    assert rows
    # 5 km at 25 km/h: 12 minutes after the push recorded the departure.
    assert {row.data["eta"] for row in rows} == {
        (departed + timedelta(minutes=12)).isoformat()}
