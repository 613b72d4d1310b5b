"""Signing devices in, and the admin's view of users and devices."""

import uuid
from datetime import timedelta

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..extensions import db
from ..workorders.service import technician_of
from . import service, throttle
from .auth import Unauthorized, api_roles
from .models import Device, User
from .schemas import DeviceOut, DeviceSignInIn, DeviceTokenOut, UserIn, UserOut

blp = Blueprint("accounts", __name__, url_prefix="/api/v1",
                description="Device sign-in, users and devices.")


def _user_out(user: User) -> dict:
    tech = technician_of(user)
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "locale": user.locale, "technician_id": tech.id if tech else None}


@blp.route("/auth/token")
class DeviceToken(MethodView):
    @blp.arguments(DeviceSignInIn)
    @blp.response(201, DeviceTokenOut)
    def post(self, data):
        """Sign a device in with e-mail and password; returns its bearer token.

        Open to anyone: the credentials are the check. Failed attempts are counted per
        account and per address; past the limit the answer is 429 ``too_many_attempts``
        with ``Retry-After``. The right password of a disabled account gets 401
        ``account_disabled``.
        """
        user = throttle.sign_in(data["email"], data["password"], request.remote_addr)
        if user is None:
            raise Unauthorized("Wrong e-mail or password.", {"password": ["does not match"]},
                               code="bad_credentials")
        ttl = timedelta(days=current_app.config["DEVICE_TOKEN_TTL_DAYS"])
        device, token = service.issue_device_token(
            user, data["device_name"], ttl, data.get("device_id"), data.get("app_version"))
        return {"token": token, "device_id": device.id, "expires_at": device.token_expires_at,
                "user": _user_out(user)}


@blp.route("/auth/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    @api_roles("admin", "dispatcher", "technician")
    def get(self):
        """The signed-in user."""
        return _user_out(g.actor)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserOut(many=True))
    @api_roles("admin")
    def get(self):
        return [_user_out(u) for u in db.session.scalars(select(User).order_by(User.email))]

    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    @api_roles("admin")
    def post(self, data):
        return _user_out(service.create_user(actor=g.actor, **data))


@blp.route("/devices")
class Devices(MethodView):
    @blp.response(200, DeviceOut(many=True))
    @api_roles("admin")
    def get(self):
        return db.session.scalars(select(Device).order_by(Device.created_at.desc())).all()


@blp.route("/devices/<uuid:device_id>/revoke")
class RevokeDevice(MethodView):
    @blp.response(200, DeviceOut)
    @api_roles("admin")
    def post(self, device_id: uuid.UUID):
        """Revoke a device's token: the phone must sign in again (its outbox stays)."""
        return service.revoke_device(device_id, g.actor)
