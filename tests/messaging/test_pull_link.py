"""The phone learns each booked order's customer link in the pull, for the offline QR code."""

from server.portal import links
from tests.factories import walk_to
from tests.sync.phone import Phone


def test_a_booked_order_reaches_the_phone_with_its_customer_link(
        client, make_order, dispatcher, technician):
    order = make_order(actor=dispatcher)
    phone = Phone(client, technician, "phone")
    walk_to(order, "scheduled", dispatcher, technician)
    phone.pull()
    url = phone.orders()[str(order.id)]["customer_url"]
    assert url == links.url_of(links.active_link(order.id))
    assert client.get(url.removeprefix("http://localhost:5000")).status_code == 200


def test_each_order_gets_its_own_newest_link_and_an_expired_one_none(
        client, make_order, dispatcher, technician):
    """The pull reads every order's link in one query: each order must still get its own."""
    from datetime import timedelta

    from sqlalchemy import select

    from server.database import utcnow
    from server.extensions import db
    from server.portal.models import CustomerLink

    first, second, third = (make_order(actor=dispatcher) for _ in range(3))
    for order in (first, second, third):
        walk_to(order, "scheduled", dispatcher, technician)
    db.session.commit()  # the bookings' messages, and with them the links, are made now
    links.revoke(dispatcher, second)  # a newer link for the second order
    newest = links.ensure_link(second)
    for link in db.session.scalars(select(CustomerLink).where(
            CustomerLink.work_order_id == third.id)):
        link.expires_at = utcnow() - timedelta(minutes=1)  # none for the third
    db.session.commit()
    phone = Phone(client, technician, "phone")
    phone.pull()
    pulled = phone.orders()
    assert pulled[str(first.id)]["customer_url"] == links.url_of(links.active_link(first.id))
    assert pulled[str(second.id)]["customer_url"] == links.url_of(newest)
    assert pulled[str(third.id)]["customer_url"] is None
    assert len({pulled[str(o.id)]["customer_url"] for o in (first, second)}) == 2
