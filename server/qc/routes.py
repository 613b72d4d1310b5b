"""Quality control over the JSON API. Views parse, call the service, answer.

The office (admins and dispatchers, who include supervisors) reviews and evaluates; a
technician reads and completes their own corrective actions.
"""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..workorders.service import technician_of
from . import service
from .schemas import (QcActionDoneIn, QcActionList, QcActionOut, QcActionQuery,
                      QcEvaluationIn, QcEvaluationList, QcEvaluationOut, QcEvaluationQuery,
                      QcReviewCreateIn, QcReviewList, QcReviewOut, QcReviewQuery, QcScoreIn)

blp = Blueprint("qc", __name__, url_prefix="/api/v1/qc",
                description="Quality control: the QC queue, checklist reviews, corrective "
                            "actions and supervisor evaluations.")
OFFICE = service.OFFICE


@blp.route("/reviews")
class Reviews(MethodView):
    @blp.arguments(QcReviewQuery, location="query")
    @blp.response(200, QcReviewList)
    @api_roles(*OFFICE)
    def get(self, args):
        """The QC queue: newest week first, waiting reviews before scored ones."""
        return {"items": service.queue(**args)}

    @blp.arguments(QcReviewCreateIn)
    @blp.response(201, QcReviewOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Put one signed visit in the queue by hand (409 if it is there already)."""
        return service.add_to_queue(g.actor, data["work_order_id"])


@blp.route("/reviews/<uuid:review_id>")
class OneReview(MethodView):
    @blp.response(200, QcReviewOut)
    @api_roles(*OFFICE)
    def get(self, review_id: uuid.UUID):
        """A review with its checklist."""
        return service.get_review(review_id)


@blp.route("/reviews/<uuid:review_id>/score")
class ScoreReview(MethodView):
    @blp.arguments(QcScoreIn)
    @blp.response(200, QcReviewOut)
    @api_roles(*OFFICE)
    def post(self, data, review_id: uuid.UUID):
        """Score every checklist item once; a failed item (with its note) opens a
        corrective action for the technician. A review is scored once (409 after)."""
        return service.score(g.actor, service.get_review(review_id), data["items"],
                             data["findings"])


@blp.route("/actions")
class Actions(MethodView):
    @blp.arguments(QcActionQuery, location="query")
    @blp.response(200, QcActionList)
    @api_roles(*OFFICE, "technician")
    def get(self, args):
        """Corrective actions, open first by due date. A technician sees only their own;
        ``team=true`` keeps the technicians the caller supervises."""
        team = args.pop("team")
        if g.actor.role == "technician":
            tech = technician_of(g.actor)
            args["technician_id"] = tech.id if tech else uuid.UUID(int=0)
        elif team:
            args["supervisor_id"] = g.actor.id
        return {"items": service.actions(**args)}


@blp.route("/actions/<uuid:action_id>/done")
class ActionDone(MethodView):
    @blp.arguments(QcActionDoneIn)
    @blp.response(200, QcActionOut)
    @api_roles(*OFFICE, "technician")
    def post(self, data, action_id: uuid.UUID):
        """Mark an action done with what was done (the office, or its own technician)."""
        return service.complete_action(g.actor, service.get_action(action_id), data["note"])


@blp.route("/evaluations")
class Evaluations(MethodView):
    @blp.arguments(QcEvaluationQuery, location="query")
    @blp.response(200, QcEvaluationList)
    @api_roles(*OFFICE)
    def get(self, args):
        """Supervisor evaluations, latest period first."""
        return {"items": service.evaluations(**args)}

    @blp.arguments(QcEvaluationIn)
    @blp.response(201, QcEvaluationOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Evaluate a technician for a period: a score from 1 to 5 and a note."""
        return service.evaluate(g.actor, **data)
