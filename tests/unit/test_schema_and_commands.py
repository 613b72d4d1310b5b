"""The migrations build exactly the models' schema; the admin commands and periodic task work."""

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from server.accounts.models import Device, User
from server.database import utcnow
from server.extensions import db
from server.tasks import sla_sweep
from server.technicians.models import Technician
from server.workorders.models import WorkOrderEvent


def test_migrations_match_the_models():
    context = MigrationContext.configure(db.session.connection(),
                                         opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_create_user_command_makes_a_technician_with_a_van(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "Wang.Wei@Example.test", "--name", "王伟",
        "--role", "technician", "--password", "a strong password", "--region", "浦东新区"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "wang.wei@example.test"))
    tech = db.session.scalar(select(Technician).where(Technician.user_id == user.id))
    assert tech.region == "浦东新区"


def test_create_user_command_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "x@example.test", "--name", "X", "--role", "admin",
        "--password", "short"])
    assert result.exit_code != 0 and "password" in result.output


def test_revoke_device_command(app, technician):
    from server.accounts.service import issue_device_token

    device, _ = issue_device_token(technician.user, "phone", timedelta(days=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["revoke-device", str(device.id)])
    assert result.exit_code == 0, result.output
    assert db.session.get(Device, device.id).revoked_at is not None
    bad = app.test_cli_runner().invoke(args=["revoke-device", "nonsense"])
    assert bad.exit_code != 0 and "UUID" in bad.output


def test_sla_sweep_task_turns_overdue_orders_red_and_records_it(make_order):
    order = make_order(priority="emergency")
    order.respond_by = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert sla_sweep.call_local() >= 1
    assert order.sla_state == "red"
    kinds = db.session.scalars(select(WorkOrderEvent.kind)
                               .where(WorkOrderEvent.work_order_id == order.id)).all()
    assert "sla_breached" in kinds
