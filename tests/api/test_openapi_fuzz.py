"""The OpenAPI document and the answers agree: a schema-driven fuzzer (Schemathesis) calls
every operation the document lists, as every role, in-process, and every answer must be
a documented status with a body that matches its schema, and never a server error.

The operations come from the document itself, so a new endpoint is fuzzed as soon as it
exists. Examples are derandomised (the same inputs on every run, so CI is stable) and
bounded: FUZZ_EXAMPLES per operation, role and mode (default 10) keeps the whole run near a
minute; raise it locally (``FUZZ_EXAMPLES=200``) and set FUZZ_RANDOM=1 for a fresh seed.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from server.accounts.service import issue_device_token
from server.extensions import db
from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
# FUZZ_ONLY=/plans fuzzes only the operations whose path contains it (a quick local run).
ONLY = os.environ.get("FUZZ_ONLY", "")
ROLES = ("admin", "dispatcher", "technician")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Unknown query parameters are ignored by design (a cache buster, ``lang`` for the
    # language of messages); unknown body fields are refused, and that is fuzzed.
    schema.config.generation.update(allow_extra_parameters=False)
    # Refusing a negative example with 414 (a URL over MAX_URL_LENGTH) or 413 is a
    # rejection too.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413", "414"]
    return schema


@pytest.fixture
def world(app):
    """One of everything, so item operations find real records (with their nulls) and
    list operations return real rows; and a signed-in device per role."""
    dispatcher = factories.make_user("dispatcher")
    admin = factories.make_user("admin")
    technician = factories.make_technician()
    customer = factories.make_customer()
    asset = factories.make_asset(customer)
    part = factories.make_part()
    order = factories.make_order(actor=dispatcher, customer=customer, asset=asset)
    factories.walk_to(order, "scheduled", dispatcher, technician)
    tokens = {}
    for role, user in (("admin", admin), ("dispatcher", dispatcher),
                       ("technician", technician.user)):
        _, tokens[role] = issue_device_token(user, f"fuzz {role}", timedelta(days=1))
    from datetime import date

    from server.plans import service as plans

    plan = plans.create(dispatcher, customer_id=customer.id, asset_id=asset.id, kind="visit",
                        interval_months=12, first_due=date(2027, 3, 1))
    db.session.commit()
    ids = {"order_id": order.id, "customer_id": customer.id, "asset_id": asset.id,
           "part_id": part.id, "plan_id": plan.id}
    return {"tokens": tokens, "ids": ids}


def _use_real_ids(case, ids) -> None:
    """Point about half of the path ids at real records; the others stay random (404s)."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and isinstance(value, str) and value[:1] in "01234567":
            case.path_parameters[name] = str(ids[name])


def _fuzz(operation, mode, token, ids) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    def run(case):
        _use_real_ids(case, ids)
        db.session.commit()  # what earlier examples created stays, as on a real server
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_documented_and_no_input_causes_a_server_error(api_schema, world, role):
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if ONLY not in operation.path:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, world["tokens"][role], world["ids"])
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - report all
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}): "
                                f"{failure}")
    assert not failures, "\n\n".join(failures)


def test_the_fuzzer_covers_every_operation_in_the_document(api_schema, client):
    """The fuzz test walks the document, never a hand-kept list of endpoints."""
    document = client.get("/api/v1/openapi.json").get_json()
    in_document = {(method.upper(), path) for path, item in document["paths"].items()
                   for method in item if method in ("get", "post", "put", "patch", "delete")}
    fuzzed = {(result.ok().method.upper(), result.ok().path)
              for result in api_schema.get_all_operations()}
    assert fuzzed == in_document and len(fuzzed) >= 30
