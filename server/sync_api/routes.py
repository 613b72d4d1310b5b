"""The sync protocol over HTTP (docs/sync-protocol.md): push, pull, and the office's lists."""

import uuid

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from sync import push as outbox
from sync.models import RejectedMutation, SyncConflict

from ..accounts.auth import api_roles
from ..database import utcnow
from ..errors import ServiceError
from ..extensions import db
from . import service
from .schemas import (
    AdoptIn,
    AdoptOut,
    ConflictOut,
    ListQuery,
    PullOut,
    PullQuery,
    PushIn,
    PushOut,
    RejectionOut,
    ResolveIn,
)

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline sync: push mutations, pull changes.")
OFFICE = ("admin", "dispatcher")


class PayloadTooLarge(ServiceError):
    status = 413


def _refuse_oversized_push() -> None:
    limit = current_app.config["SYNC_MAX_PUSH_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"A push may carry at most {limit} bytes; send smaller batches.",
                              {"mutations": [f"batch body over {limit} bytes"]},
                              code="batch_too_large")


@blp.route("/push")
class Push(MethodView):
    @blp.arguments(PushIn)
    @blp.response(200, PushOut)
    @api_roles("technician")
    def post(self, body):
        """Apply a batch of mutations exactly once, in id order."""
        _refuse_oversized_push()
        service.check_protocol(body["protocol"], pulling=False)
        limit = current_app.config["SYNC_MAX_BATCH"]
        if len(body["mutations"]) > limit:
            raise PayloadTooLarge(f"A batch may hold at most {limit} mutations.",
                                  {"mutations": [f"more than {limit} items"]},
                                  code="batch_too_large")
        # The arguments are checked before the first statement of the write transaction:
        # the push then holds the write turn only for its database work.
        prepared = outbox.prepare(g.device, body["mutations"])
        # Read with the token, before the write transaction (service.read_before_push).
        technician = service.technician_for(g.actor)
        service.record_app_version(g.device, body.get("app_version"))
        now = utcnow()
        result = outbox.push(db.session, g.device, g.actor, technician, body["mutations"], now,
                             prepared)
        return {"last_mutation_id": result.last_mutation_id, "results": result.results,
                "stopped": result.stopped, "server_time": now}


@blp.route("/adopt")
class Adopt(MethodView):
    @blp.arguments(AdoptIn)
    @blp.response(200, AdoptOut)
    @api_roles("technician")
    def post(self, body):
        """The outcomes of a revoked device's mutations, for the new device that took over
        its outbox, and the id to renumber the rest from."""
        service.check_protocol(body["protocol"], pulling=False)
        adoption = outbox.adopt(db.session, g.device, body["device_id"], body["ids"])
        return {"device_id": adoption.device_id, "last_mutation_id": adoption.last_mutation_id,
                "next_id": adoption.next_id, "results": adoption.results}


@blp.route("/pull")
class Pull(MethodView):
    @blp.arguments(PullQuery, location="query")
    @blp.response(200, PullOut)
    @api_roles("technician")
    def get(self, args):
        """Changes in your scope after ``cursor``, one page at a time."""
        service.check_protocol(args["protocol"], pulling=True)
        technician = service.technician_for(g.actor)
        limit = args.get("limit") or current_app.config["SYNC_PAGE_SIZE"]
        body = service.pull_body(technician, g.device, args, limit)
        # Built as plain data and encoded once (service.pull_response), not dumped again
        # change by change through PullOut: that cost more than the whole pull.
        return service.pull_response(body)


@blp.route("/conflicts")
class Conflicts(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, ConflictOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Edits from devices that changed someone's data or arrived late."""
        return service.list_conflicts(args["unresolved"], args.get("work_order_id"))


@blp.route("/conflicts/<uuid:item_id>/resolve")
class ResolveConflict(MethodView):
    @blp.arguments(ResolveIn)
    @blp.response(200, ConflictOut)
    @api_roles(*OFFICE)
    def post(self, body, item_id: uuid.UUID):
        return service.resolve(SyncConflict, item_id, g.actor, body.get("note"))


@blp.route("/rejections")
class Rejections(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, RejectionOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Mutations that could never apply, with their full arguments and reason."""
        return service.list_rejections(args["unresolved"], args.get("work_order_id"))


@blp.route("/rejections/<uuid:item_id>/resolve")
class ResolveRejection(MethodView):
    @blp.arguments(ResolveIn)
    @blp.response(200, RejectionOut)
    @api_roles(*OFFICE)
    def post(self, body, item_id: uuid.UUID):
        return service.resolve(RejectedMutation, item_id, g.actor, body.get("note"))
