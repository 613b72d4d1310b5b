"""follow-up calls: one per signed visit; maintenance plans of periodic calls and visits

Revision ID: c4d8e2a1f7b3
Revises: b7c3e1f2a9d4
Create Date: 2026-11-30 01:00:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'c4d8e2a1f7b3'
down_revision = 'b7c3e1f2a9d4'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('asset_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('later_interval_months', sa.Integer(), nullable=True),
    sa.Column('switch_on', sa.Date(), nullable=True),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_plans_customer_id_customers')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_plans_asset_id_assets')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_plans_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_next_due'), ['next_due'], unique=False)
    op.create_table('followups',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=True),
    sa.Column('plan_id', sa.Uuid(), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('due_at', DT, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('timeliness', sa.Integer(), nullable=True),
    sa.Column('attitude', sa.Integer(), nullable=True),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('solved', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=20), nullable=True),
    sa.Column('caller_id', sa.Uuid(), nullable=True),
    sa.Column('done_at', DT, nullable=True),
    sa.Column('return_order_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_followups_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_followups_customer_id_customers')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_followups_plan_id_plans')),
    sa.ForeignKeyConstraint(['caller_id'], ['users.id'], name=op.f('fk_followups_caller_id_users')),
    sa.ForeignKeyConstraint(['return_order_id'], ['work_orders.id'], name=op.f('fk_followups_return_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups')),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_followups_work_order_id'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_followups_queue', ['status', 'urgent', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_plan_id'))
        batch_op.drop_index('ix_followups_queue')
        batch_op.drop_index(batch_op.f('ix_followups_customer_id'))
    op.drop_table('followups')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_next_due'))
        batch_op.drop_index(batch_op.f('ix_plans_customer_id'))
    op.drop_table('plans')
