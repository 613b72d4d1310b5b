"""work orders: an index on (assignee, appointment start) for the ETA's previous-job look-up

Revision ID: s22_pushengine_assignee_start
Revises: s22_kpievents_event_facts
Create Date: 2026-11-30 12:00:00

"""
from alembic import op


revision = 's22_pushengine_assignee_start'
down_revision = 's22_kpievents_event_facts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_assignee_appointment',
                              ['assignee_id', 'appointment_start'], unique=False)


def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_assignee_appointment')
