"""Parts used and returned on the phone are ledger lines: after a push the van's level
still equals its ledger, and the job's lines are findable in the part's ledger."""

from server.inventory import service as stock
from tests.factories import walk_to
from tests.sync.phone import Phone, new_id


def test_use_and_return_from_the_phone_are_ledger_lines_and_levels_agree(
        client, technician, dispatcher, make_order, make_part, van_of, receive, level):
    part, van = make_part(), van_of(technician)
    receive(van, part, 5)
    job = make_order(actor=dispatcher)
    walk_to(job, "scheduled", dispatcher, technician)
    phone = Phone(client, technician)
    line = {"order_id": str(job.id), "part_id": str(part.id), "device_time": phone.now()}
    phone.queue("use_part", {**line, "line_id": new_id(), "quantity": 3})
    phone.queue("return_part", {**line, "line_id": new_id(), "quantity": 1})
    phone.queue("return_part", {**line, "line_id": new_id(), "quantity": 5})  # > used
    results = phone.push().get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert results[2]["reason"] == "return_exceeds_use"
    assert level(van, part) == 3
    lines, _ = stock.movements(part.id, work_order_id=job.id)
    assert sorted((m.reason, m.quantity) for m in lines) == [
        ("returned_from_order", 1), ("used_on_order", 3)]
    assert stock.check() == []


def test_a_van_that_runs_out_goes_negative_and_the_ledger_still_agrees(
        client, technician, dispatcher, make_order, make_part, van_of, level):
    part, van = make_part(), van_of(technician)
    job = make_order(actor=dispatcher)
    walk_to(job, "scheduled", dispatcher, technician)
    phone = Phone(client, technician)
    phone.queue("use_part", {"order_id": str(job.id), "part_id": str(part.id),
                             "line_id": new_id(), "quantity": 2, "device_time": phone.now()})
    assert phone.push().get_json()["results"][0]["status"] == "applied"
    assert level(van, part) == -2
    assert stock.check() == []


def test_the_van_level_a_push_moves_reaches_the_phone_on_its_next_pull(
        client, technician, dispatcher, make_order, make_part, van_of, receive, level):
    """A push writes the van's levels with a plain UPDATE (no flush): the row still carries
    the push's change-feed position, so the phone's next pull brings the new quantity, and
    the level stays equal to its ledger."""
    part, van = make_part(), van_of(technician)
    receive(van, part, 5)
    job = make_order(actor=dispatcher)
    walk_to(job, "scheduled", dispatcher, technician)
    phone = Phone(client, technician)
    phone.pull()
    assert phone.van_level(str(part.id)) == 5
    line = {"order_id": str(job.id), "part_id": str(part.id), "device_time": phone.now()}
    phone.queue("use_part", {**line, "line_id": new_id(), "quantity": 3})
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(), "body": "Fitted.",
                             "device_time": phone.now()})
    assert [r["status"] for r in phone.push().get_json()["results"]] == ["applied"] * 2
    phone.pull()
    assert phone.van_level(str(part.id)) == 2
    assert level(van, part) == 2
    assert stock.check() == []
