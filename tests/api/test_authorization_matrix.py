"""Who may call what: every API endpoint × every role, and technicians confined to their orders.

A new endpoint fails ``test_every_api_route_is_in_the_matrix`` until its row is added here.
"""

import hashlib
import itertools
import uuid
from dataclasses import dataclass

import pytest

from tests.factories import walk_to

_n = itertools.count(1)


@dataclass
class World:
    admin: object
    dispatcher: object
    tech: object
    other_tech: object
    own_order: object
    other_order: object
    customer: object
    asset: object
    part: object


@pytest.fixture
def world(make_user, make_technician, make_customer, make_asset, make_order, make_part):
    dispatcher = make_user("dispatcher")
    tech, other = make_technician(), make_technician()
    customer = make_customer()
    asset = make_asset(customer)
    own = make_order(actor=dispatcher, customer=customer, asset=asset)
    walk_to(own, "scheduled", dispatcher, tech)
    theirs = make_order(actor=dispatcher, customer=customer, asset=asset)
    walk_to(theirs, "scheduled", dispatcher, other)
    return World(make_user("admin"), dispatcher, tech, other, own, theirs, customer, asset,
                 make_part())


def charged_waiver_body(w):
    w.own_order.in_warranty = False  # only a charged order can be discounted
    return {"kind": "waive", "reason": "goodwill"}


def _discounted(w):
    if getattr(w.own_order, "in_warranty", None) is not None:
        w.own_order.in_warranty = False
        w.own_order.discount_kind, w.own_order.discount_value = "percent", 10
        w.own_order.discount_reason = "goodwill"
    return w.own_order


def new_plan_body(w):
    return {"customer_id": str(w.customer.id), "kind": "call", "interval_months": 3,
            "first_due": "2027-03-01"}


def _plan(w):
    """The world's plan, made on first use (the route check passes a stand-in world)."""
    from datetime import date

    from server.plans import service as plans

    if not hasattr(w.customer, "addresses"):
        return w.customer
    if getattr(w, "plan", None) is None:
        w.plan = plans.create(w.dispatcher, customer_id=w.customer.id, kind="visit",
                              interval_months=12, first_due=date(2027, 3, 1))
    return w.plan


def new_order_body(w):
    return {"channel": "phone", "type": "repair", "priority": "normal",
            "customer_id": str(w.customer.id)}


def new_customer_body(w):
    return {"name": "Alice Smith", "phone": "+44 20 7946 0000",
            "addresses": [{"line1": "1 High St", "city": "London", "country": "GB"}]}


def new_asset_body(w):
    return {"customer_id": str(w.customer.id), "category": "water_heater", "brand": "A.O. Smith",
            "model": "E60", "serial": f"AOS{next(_n)}"}


def new_part_body(w):
    return {"sku": f"NEW-{next(_n)}", "name_en": "Fan motor", "name_zh": "风扇电机",
            "category": "air_conditioner", "price_cents": 12000}


def new_user_body(w):
    return {"email": f"new{next(_n)}@example.test", "name": "New", "role": "dispatcher",
            "password": "long enough password"}


def new_article_body(w):
    return {"title": "Gas safety", "body": "Close the valve.", "language": "en",
            "category": "water_heater", "symptoms": ["WH_GAS_SMELL"]}
def new_checklist_body(w):
    return {"name_en": "Gas safety", "name_zh": "燃气安全", "category": "water_heater",
            "items": [{"key": "leak_test", "kind": "tick", "label_en": "Leak test",
                       "label_zh": "泄漏检测"}]}


def receive_body(w):
    from server.inventory.service import van_of

    return {"kind": "receive", "part_id": str(w.part.id), "quantity": 2,
            "to_location_id": str(van_of(w.tech.id).id)}


def rule_body(w):
    from server.inventory.service import van_of

    return {"location_id": str(van_of(w.tech.id).id), "part_id": str(w.part.id),
            "min_quantity": 1, "max_quantity": 3}


OK, CREATED = 200, 201
UNKNOWN = uuid.UUID(int=0)
BLOB = b"signature strokes"
BLOB_SHA = hashlib.sha256(BLOB).hexdigest()
# (name, method, path(w), body(w) or None, {role: status}); roles: admin, dispatcher,
# tech (the order's assignee), anon (no token).
MATRIX = [
    ("list orders", "get", lambda w: "/api/v1/workorders/", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("create order", "post", lambda w: "/api/v1/workorders/", new_order_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read own order", "get", lambda w: f"/api/v1/workorders/{w.own_order.id}", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("read another's order", "get", lambda w: f"/api/v1/workorders/{w.other_order.id}", None,
     dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("technician field on own order", "patch",
     lambda w: f"/api/v1/workorders/{w.own_order.id}", lambda w: {"diagnosis": "Capacitor"},
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("technician field on another's order", "patch",
     lambda w: f"/api/v1/workorders/{w.other_order.id}", lambda w: {"diagnosis": "x"},
     dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("dispatcher field", "patch", lambda w: f"/api/v1/workorders/{w.own_order.id}",
     lambda w: {"priority": "high"}, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("transition own order", "post",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/transitions", lambda w: {"to": "en_route"},
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("transition another's order", "post",
     lambda w: f"/api/v1/workorders/{w.other_order.id}/transitions",
     lambda w: {"to": "en_route"}, dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("cancel order", "post", lambda w: f"/api/v1/workorders/{w.own_order.id}/transitions",
     lambda w: {"to": "cancelled", "reason": "customer cancelled"},
     dict(admin=OK, dispatcher=OK, tech=409, anon=401)),
    ("act on an order (office)", "post",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/actions",
     lambda w: {"action": "cancel", "reason": "customer cancelled"},
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("discount an order (office)", "put",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/discount", charged_waiver_body,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("remove an order's discount (office)", "delete",
     lambda w: f"/api/v1/workorders/{_discounted(w).id}/discount", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("list plans", "get", lambda w: f"/api/v1/plans?customer_id={w.customer.id}", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("create a plan", "post", lambda w: "/api/v1/plans", new_plan_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read a plan", "get", lambda w: f"/api/v1/plans/{_plan(w).id}", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("change a plan", "patch", lambda w: f"/api/v1/plans/{_plan(w).id}",
     lambda w: {"interval_months": 6}, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("cancel a plan", "post", lambda w: f"/api/v1/plans/{_plan(w).id}/cancel",
     lambda w: {"reason": "contract ended"}, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("visit record (office)", "get", lambda w: f"/api/v1/workorders/{w.own_order.id}/visit",
     None, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("own order history", "get", lambda w: f"/api/v1/workorders/{w.own_order.id}/events", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("another's order history", "get",
     lambda w: f"/api/v1/workorders/{w.other_order.id}/events", None,
     dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("list customers", "get", lambda w: "/api/v1/customers/", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("create customer", "post", lambda w: "/api/v1/customers/", new_customer_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read customer", "get", lambda w: f"/api/v1/customers/{w.customer.id}", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("edit customer", "patch", lambda w: f"/api/v1/customers/{w.customer.id}",
     lambda w: {"notes": "VIP"}, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("add address", "post", lambda w: f"/api/v1/customers/{w.customer.id}/addresses",
     lambda w: {"line1": "2 Low St", "city": "London"},
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("list assets", "get", lambda w: "/api/v1/assets/", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("create asset", "post", lambda w: "/api/v1/assets/", new_asset_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read asset", "get", lambda w: f"/api/v1/assets/{w.asset.id}", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("edit asset", "patch", lambda w: f"/api/v1/assets/{w.asset.id}",
     lambda w: {"notes": "outdoor unit on balcony"},
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("list parts", "get", lambda w: "/api/v1/parts/", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("create part", "post", lambda w: "/api/v1/parts/", new_part_body,
     dict(admin=CREATED, dispatcher=403, tech=403, anon=401)),
    ("read part", "get", lambda w: f"/api/v1/parts/{w.part.id}", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("edit part", "patch", lambda w: f"/api/v1/parts/{w.part.id}",
     lambda w: {"price_cents": 5000}, dict(admin=OK, dispatcher=403, tech=403, anon=401)),
    ("stock locations", "get", lambda w: "/api/v1/stock/locations", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("stock levels", "get", lambda w: "/api/v1/stock/levels", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("stock ledger", "get", lambda w: "/api/v1/stock/movements", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("receive stock", "post", lambda w: "/api/v1/stock/movements", receive_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("reverse a movement", "post", lambda w: f"/api/v1/stock/movements/{UNKNOWN}/reverse",
     lambda w: {"note": "typo"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("set a van's min/max", "put", lambda w: "/api/v1/stock/rules", rule_body,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("replenishment proposal", "get",
     lambda w: f"/api/v1/stock/replenishment?warehouse={UNKNOWN}", None,
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("confirm replenishment", "post", lambda w: "/api/v1/stock/replenishment",
     lambda w: {"warehouse_id": str(UNKNOWN), "lines": [
         {"van_id": str(UNKNOWN), "part_id": str(w.part.id), "quantity": 1}]},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("parts requests from the field", "get", lambda w: "/api/v1/stock/requests", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("fulfil a parts request", "post",
     lambda w: f"/api/v1/stock/requests/{UNKNOWN}/fulfil", lambda w: {"how": "cancel"},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("deliveries to vans", "get", lambda w: "/api/v1/stock/deliveries", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("reservations", "get", lambda w: "/api/v1/stock/reservations", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("min/max templates", "get", lambda w: "/api/v1/stock/templates", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("create a min/max template", "post", lambda w: "/api/v1/stock/templates",
     lambda w: {"name": f"Template {next(_n)}", "region": "Shanghai", "lines": [
         {"part_id": str(w.part.id), "min_quantity": 1, "max_quantity": 3}]},
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read a min/max template", "get", lambda w: f"/api/v1/stock/templates/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("edit a min/max template", "put", lambda w: f"/api/v1/stock/templates/{UNKNOWN}",
     lambda w: {"name": "Edited", "region": "Shanghai", "lines": [
         {"part_id": str(w.part.id), "min_quantity": 1, "max_quantity": 3}]},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("delete a min/max template", "delete", lambda w: f"/api/v1/stock/templates/{UNKNOWN}",
     None, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("purchase orders", "get", lambda w: "/api/v1/stock/purchases", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("create a purchase order", "post", lambda w: "/api/v1/stock/purchases",
     lambda w: {"supplier": "Gree", "warehouse_id": str(UNKNOWN),
                "lines": [{"part_id": str(w.part.id), "quantity": 1}]},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("read a purchase order", "get", lambda w: f"/api/v1/stock/purchases/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("send a purchase order", "post", lambda w: f"/api/v1/stock/purchases/{UNKNOWN}/order",
     lambda w: {}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("receive a purchase order", "post",
     lambda w: f"/api/v1/stock/purchases/{UNKNOWN}/receive",
     lambda w: {"lines": [{"part_id": str(w.part.id), "quantity": 1}]},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("cancel a purchase order", "post", lambda w: f"/api/v1/stock/purchases/{UNKNOWN}/cancel",
     lambda w: {}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("close a purchase order", "post", lambda w: f"/api/v1/stock/purchases/{UNKNOWN}/close",
     lambda w: {}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("who am I", "get", lambda w: "/api/v1/auth/me", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("list users", "get", lambda w: "/api/v1/users", None,
     dict(admin=OK, dispatcher=403, tech=403, anon=401)),
    ("create user", "post", lambda w: "/api/v1/users", new_user_body,
     dict(admin=CREATED, dispatcher=403, tech=403, anon=401)),
    ("list devices", "get", lambda w: "/api/v1/devices", None,
     dict(admin=OK, dispatcher=403, tech=403, anon=401)),
    ("revoke a device", "post", lambda w: f"/api/v1/devices/{w.other_tech_device}/revoke", None,
     dict(admin=OK, dispatcher=403, tech=403, anon=401)),
    ("push mutations", "post", lambda w: "/api/v1/sync/push",
     lambda w: {"protocol": 1, "mutations": []},
     dict(admin=403, dispatcher=403, tech=OK, anon=401)),
    ("adopt a revoked device's outbox", "post", lambda w: "/api/v1/sync/adopt",
     lambda w: {"protocol": 1, "device_id": str(UNKNOWN), "ids": [1]},
     dict(admin=403, dispatcher=403, tech=404, anon=401)),
    ("pull changes", "get", lambda w: "/api/v1/sync/pull?protocol=1", None,
     dict(admin=403, dispatcher=403, tech=OK, anon=401)),
    ("list sync conflicts", "get", lambda w: "/api/v1/sync/conflicts", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("resolve a conflict", "post", lambda w: f"/api/v1/sync/conflicts/{UNKNOWN}/resolve",
     lambda w: {}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("list rejected mutations", "get", lambda w: "/api/v1/sync/rejections", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("resolve a rejection", "post", lambda w: f"/api/v1/sync/rejections/{UNKNOWN}/resolve",
     lambda w: {}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("upload a blob", "put", lambda w: f"/api/v1/blobs/{BLOB_SHA}", lambda w: BLOB,
     dict(admin=409, dispatcher=409, tech=409, anon=401)),  # nothing references it
    ("download a blob", "get", lambda w: f"/api/v1/blobs/{BLOB_SHA}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("own order's report status", "get", lambda w: f"/api/v1/workorders/{w.own_order.id}/report",
     None, dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("another's report status", "get",
     lambda w: f"/api/v1/workorders/{w.other_order.id}/report", None,
     dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("report PDF (none before signing)", "get",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/report/pdf", None,
     dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("retry a report", "post", lambda w: f"/api/v1/workorders/{w.own_order.id}/report/retry",
     None, dict(admin=409, dispatcher=409, tech=403, anon=401)),
    ("order's customer messages", "get",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/messages", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("order's customer link", "get",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/customer-link", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("revoke the customer link", "post",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/customer-link/revoke", None,
     dict(admin=204, dispatcher=204, tech=403, anon=401)),
    ("list incidents", "get", lambda w: "/api/v1/incidents/", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("read an incident", "get", lambda w: f"/api/v1/incidents/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("change an incident", "patch", lambda w: f"/api/v1/incidents/{UNKNOWN}",
     lambda w: {"level": 2, "reason": "more reports"},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("list articles", "get", lambda w: "/api/v1/articles/?symptom=WH_GAS_SMELL", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("write an article", "post", lambda w: "/api/v1/articles/", new_article_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read an article", "get", lambda w: f"/api/v1/articles/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("edit an article", "patch", lambda w: f"/api/v1/articles/{UNKNOWN}",
     lambda w: {"title": "Gas safety"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("article versions", "get", lambda w: f"/api/v1/articles/{UNKNOWN}/versions", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("list checklist templates", "get", lambda w: "/api/v1/checklists/", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("write a checklist template", "post", lambda w: "/api/v1/checklists/", new_checklist_body,
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read a checklist template", "get", lambda w: f"/api/v1/checklists/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("edit a checklist template", "patch", lambda w: f"/api/v1/checklists/{UNKNOWN}",
     lambda w: {"name_en": "Gas"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("checklist template versions", "get",
     lambda w: f"/api/v1/checklists/{UNKNOWN}/versions", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("article proposals", "get", lambda w: "/api/v1/articles/proposals", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("accept a proposal", "post", lambda w: f"/api/v1/articles/proposals/{UNKNOWN}/accept",
     None, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("reject a proposal", "post", lambda w: f"/api/v1/articles/proposals/{UNKNOWN}/reject",
     lambda w: {"note": "Known"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("publish an article", "post", lambda w: f"/api/v1/articles/{UNKNOWN}/publish", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("article usage", "get", lambda w: "/api/v1/articles/usage", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("an article image", "get", lambda w: f"/api/v1/articles/images/{BLOB_SHA}", None,
     dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("list complaints", "get", lambda w: "/api/v1/complaints", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("record a complaint", "post", lambda w: "/api/v1/complaints",
     lambda w: {"description": "Came back broken", "work_order_id": str(w.own_order.id)},
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("read a complaint", "get", lambda w: f"/api/v1/complaints/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("a complaint's step", "post", lambda w: f"/api/v1/complaints/{UNKNOWN}/steps",
     lambda w: {"kind": "note", "note": "x"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("close a complaint", "post", lambda w: f"/api/v1/complaints/{UNKNOWN}/close",
     lambda w: {"resolution": "x", "category": "other", "confirmation": "customer"},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("KPIs of a period", "get", lambda w: "/api/v1/kpis?from=2026-03-02&to=2026-03-08", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("follow-ups due", "get", lambda w: "/api/v1/followups", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("a follow-up's outcome", "post", lambda w: f"/api/v1/followups/{UNKNOWN}/outcome",
     lambda w: {"outcome": "no_answer"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("a follow-up's return visit", "post",
     lambda w: f"/api/v1/followups/{UNKNOWN}/return-visit", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("QC queue", "get", lambda w: "/api/v1/qc/reviews", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("add a visit to the QC queue (unsigned: refused)", "post", lambda w: "/api/v1/qc/reviews",
     lambda w: {"work_order_id": str(w.own_order.id)},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("read a QC review", "get", lambda w: f"/api/v1/qc/reviews/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("score a QC review", "post", lambda w: f"/api/v1/qc/reviews/{UNKNOWN}/score",
     lambda w: {"items": [{"item": "photos", "passed": True}]},
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("corrective actions (a technician's own)", "get", lambda w: "/api/v1/qc/actions", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("complete a corrective action", "post", lambda w: f"/api/v1/qc/actions/{UNKNOWN}/done",
     lambda w: {"note": "Done"}, dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("supervisor evaluations", "get", lambda w: "/api/v1/qc/evaluations", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("evaluate a technician", "post", lambda w: "/api/v1/qc/evaluations",
     lambda w: {"technician_id": str(w.tech.id), "score": 4, "period_start": "2026-11-01",
                "period_end": "2026-11-30"},
     dict(admin=CREATED, dispatcher=CREATED, tech=403, anon=401)),
    ("an order's quote (none decided yet)", "get",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/quote", None,
     dict(admin=404, dispatcher=404, tech=404, anon=401)),
    ("an order's payments and balance", "get",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/payments", None,
     dict(admin=OK, dispatcher=OK, tech=OK, anon=401)),
    ("another technician's order's payments", "get",
     lambda w: f"/api/v1/workorders/{w.other_order.id}/payments", None,
     dict(admin=OK, dispatcher=OK, tech=404, anon=401)),
    ("record a refund (nothing paid above the total: refused)", "post",
     lambda w: f"/api/v1/workorders/{w.own_order.id}/refunds",
     lambda w: {"method": "cash", "amount_cents": 100},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("warranty claims", "get", lambda w: "/api/v1/warranty/claims", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("claim an unfinished job (refused)", "post", lambda w: "/api/v1/warranty/claims",
     lambda w: {"work_order_id": str(w.own_order.id)},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("read a warranty claim", "get", lambda w: f"/api/v1/warranty/claims/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("edit a warranty claim", "patch", lambda w: f"/api/v1/warranty/claims/{UNKNOWN}",
     lambda w: {"supplier": "Gree"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("move a warranty claim", "post", lambda w: f"/api/v1/warranty/claims/{UNKNOWN}/state",
     lambda w: {"state": "submitted"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("returns to suppliers", "get", lambda w: "/api/v1/warranty/returns", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("open a return of nothing (refused)", "post", lambda w: "/api/v1/warranty/returns",
     lambda w: {"rma_number": "RMA-1", "supplier": "Gree", "movement_ids": [str(UNKNOWN)]},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("defective parts awaiting return", "get", lambda w: "/api/v1/warranty/returns/awaiting",
     None, dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("read a return", "get", lambda w: f"/api/v1/warranty/returns/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("move a return", "post", lambda w: f"/api/v1/warranty/returns/{UNKNOWN}/state",
     lambda w: {"state": "shipped"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("a serial's history", "get",
     lambda w: f"/api/v1/serials/history?serial={getattr(w.asset, 'serial', 'SN')}", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),    ("customer returns", "get", lambda w: "/api/v1/returns", None,
     dict(admin=OK, dispatcher=OK, tech=403, anon=401)),
    ("a return without proof of purchase (refused)", "post", lambda w: "/api/v1/returns",
     lambda w: {"asset_id": str(w.asset.id), "reason": "performance_fault",
                "wish": "refund", "purchase_date": "2026-11-01"},
     dict(admin=422, dispatcher=422, tech=403, anon=401)),
    ("read a customer return", "get", lambda w: f"/api/v1/returns/{UNKNOWN}", None,
     dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("accept a return as goodwill", "post", lambda w: f"/api/v1/returns/{UNKNOWN}/goodwill",
     lambda w: {"reason": "Loyal customer"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("inspect a return", "post", lambda w: f"/api/v1/returns/{UNKNOWN}/inspect",
     lambda w: {"mode": "workshop"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("record a return's findings", "post", lambda w: f"/api/v1/returns/{UNKNOWN}/findings",
     lambda w: {"finding": "misuse"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
    ("decide a return", "post", lambda w: f"/api/v1/returns/{UNKNOWN}/decide",
     lambda w: {"decision": "decline"}, dict(admin=404, dispatcher=404, tech=403, anon=401)),
]


@pytest.mark.parametrize("role", ["admin", "dispatcher", "tech", "anon"])
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), MATRIX,
                         ids=[row[0] for row in MATRIX])
def test_authorisation_matrix(world, client, api_as, role, name, method, path, body, expected):
    world.other_tech_device = _device_of(api_as(world.other_tech.user))
    caller = {"admin": world.admin, "dispatcher": world.dispatcher, "tech": world.tech.user}
    payload = body(world) if body else None
    kwargs = {"data": payload} if isinstance(payload, bytes) else \
        {"json": payload} if payload is not None else {}
    if role == "anon":
        response = getattr(client, method)(path(world), **kwargs)
    else:
        response = getattr(api_as(caller[role]), method)(path(world), **kwargs)
    assert response.status_code == expected[role], response.get_json()
    if response.status_code >= 400:
        error = response.get_json()
        assert set(error) >= {"code", "message", "description", "errors"}


def _device_of(api_client):
    from server.accounts.service import device_for_token

    return device_for_token(api_client.token).id


def test_every_api_route_is_in_the_matrix(app):
    covered = set()
    for _, method, path, _, _ in MATRIX:
        fake = World(*(type("X", (), {"id": uuid.UUID(int=0)})() for _ in range(9)))
        fake.other_tech_device = uuid.UUID(int=0)
        covered.add((method.upper(), path(fake).split("?")[0]
                     .replace(str(uuid.UUID(int=0)), "<id>").replace(BLOB_SHA, "<sha256>")))
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        if rule.rule == "/api/v1/auth/token":
            continue  # open by design: the credentials are the check (test_device_auth)
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<uuid:{arg}>", "<id>").replace(f"<string:{arg}>", f"<{arg}>")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    assert routes <= covered, f"endpoints missing from the matrix: {sorted(routes - covered)}"
