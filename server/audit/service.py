"""Writing audit events. Flushes only; the request commits."""

from flask import has_request_context, request

from ..extensions import db
from .models import AuditEvent


def record(action: str, actor=None, entity=None, **data) -> AuditEvent:
    """Append an audit event for ``action`` done by ``actor`` on ``entity``."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        entity_type=type(entity).__tablename__ if entity is not None else None,
        entity_id=str(entity.id) if entity is not None else None,
        data=data,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
