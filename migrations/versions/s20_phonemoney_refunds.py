"""refunds recorded by the office when more was paid than the order's total

Revision ID: s20_phonemoney_refunds
Revises: s20_catalogue_settings_sync_pos
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 's20_phonemoney_refunds'
down_revision = 's20_catalogue_settings_sync_pos'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('refunds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_refunds_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_refunds_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_work_order_id'))
    op.drop_table('refunds')
