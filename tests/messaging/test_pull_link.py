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
