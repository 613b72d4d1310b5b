"""Accounts: passwords, sign-in and device tokens. Functions flush; the request commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..audit import service as audit
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound, ServiceError
from ..extensions import db
from .models import Device, Role, User

_hasher = PasswordHasher()
# Verifying against this keeps sign-in time the same whether or not the e-mail exists.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(email: str, name: str, role: str, password: str, locale: str | None = None,
                actor: User | None = None) -> User:
    """Create an account. Raises Invalid on a bad role or short password, Conflict on a taken e-mail."""
    errors = {}
    if role not in set(Role):
        errors["role"] = [f"must be one of: {', '.join(Role)}"]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"must be at least {MIN_PASSWORD_LENGTH} characters"]
    if "@" not in email:
        errors["email"] = ["is not an e-mail address"]
    if errors:
        raise Invalid("The account details are not valid.", errors)
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("An account with this e-mail exists.", {"email": ["is already used"]})
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                locale=locale)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor, user, role=role)
    return user


class AccountDisabled(ServiceError):
    """The right password for an account that was deactivated."""

    status = 401

    def __init__(self):
        super().__init__("This account is disabled; ask an administrator.",
                         code="account_disabled")


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Raises AccountDisabled when the password is right but the account is inactive (only
    then: a wrong password never reveals whether an account exists or is disabled).
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    if user is None:
        return None
    if not user.active:
        raise AccountDisabled()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device_token(user: User, device_name: str, ttl: timedelta,
                       device_id: uuid.UUID | None = None,
                       app_version: str | None = None) -> tuple[Device, str]:
    """Register (or re-register) a device and return it with a fresh bearer token.

    Signing in again on the same device keeps its id, so its sync state survives.
    Raises Conflict if the device id belongs to another user or was revoked.
    """
    token = "dst_" + secrets.token_urlsafe(32)
    device = db.session.get(Device, device_id) if device_id else None
    if device is not None and (device.user_id != user.id or device.revoked_at is not None):
        revoked = device.user_id == user.id
        raise Conflict("This device cannot be used by this account; sign in as a new device.",
                       {"device_id": ["was revoked" if revoked
                                      else "belongs to another account"]},
                       code="device_revoked" if revoked else "device_taken")
    if device is None:
        device = Device(id=device_id or uuid.uuid4(), user_id=user.id, name=device_name,
                        token_hash=_digest(token), token_expires_at=utcnow() + ttl)
        db.session.add(device)
    else:
        device.token_hash = _digest(token)
        device.token_expires_at = utcnow() + ttl
        device.name = device_name
    device.app_version = app_version
    db.session.flush()
    audit.record("device.token_issued", user, device)
    return device, token


class TokenProblem(Exception):
    """The bearer token is unknown, expired or revoked; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Every API request asks it: built once, and the device's user comes with it (one statement).
_DEVICE_BY_TOKEN = (select(Device).options(joinedload(Device.user))
                    .where(Device.token_hash == bindparam("token_hash")))


def device_for_token(token: str) -> Device:
    """The device holding ``token``. Raises TokenProblem (unknown/expired/revoked/inactive)."""
    device = db.session.scalar(_DEVICE_BY_TOKEN, {"token_hash": _digest(token)})
    if device is None:
        raise TokenProblem("token_unknown")
    if device.revoked_at is not None:
        raise TokenProblem("device_revoked")
    if device.token_expires_at <= utcnow():
        raise TokenProblem("token_expired")
    if not device.user.active:
        raise TokenProblem("account_disabled")
    return device


def revoke_device(device_id: uuid.UUID, actor: User | None = None) -> Device:
    """Revoke a device's token for good. Raises NotFound."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(f"No device {device_id}.")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        audit.record("device.revoked", actor, device)
    db.session.flush()
    return device


def end_sessions(user: User) -> None:
    """Sign every console session of ``user`` out (they carry the old session version)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def change_password(user: User, new_password: str, actor: User | None = None) -> User:
    """Set a new password and end the user's console sessions and device tokens.

    Device tokens expire rather than being revoked: the phone signs in again with the new
    password and keeps its device id (and its sync state). Raises Invalid when the password
    is too short.
    """
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise Invalid("The password is too short.",
                      {"password": [f"must be at least {MIN_PASSWORD_LENGTH} characters"]})
    user.password_hash = hash_password(new_password)
    now = utcnow()
    for device in db.session.scalars(select(Device).where(Device.user_id == user.id,
                                                          Device.token_expires_at > now)):
        device.token_expires_at = now
    end_sessions(user)
    audit.record("user.password_changed", actor or user, user)
    return user


def deactivate_user(user: User, actor: User | None = None) -> User:
    """Disable an account: its console sessions end and every device token is revoked."""
    user.active = False
    _revoke_all(user, actor)
    end_sessions(user)
    audit.record("user.deactivated", actor, user)
    return user


def _revoke_all(user: User, actor: User | None) -> None:
    for device in db.session.scalars(select(Device).where(Device.user_id == user.id,
                                                          Device.revoked_at.is_(None))):
        device.revoked_at = utcnow()
        audit.record("device.revoked", actor, device)
