"""quotes signed on site before out-of-warranty work; payments recorded on site

Revision ID: d5e9a3b7c104
Revises: d5e1a7c3b902
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'd5e9a3b7c104'
down_revision = 'd5e1a7c3b902'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('quotes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('diagnostic_fee_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.Column('image_sha256', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('content_matches', sa.Boolean(), nullable=False),
    sa.Column('decided_at_device', DT, nullable=False),
    sa.Column('received_at', DT, nullable=False),
    sa.Column('sync_pos', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_quotes_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_quotes_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_quotes_work_order_id'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_sync_pos'), ['sync_pos'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('paid_at_device', DT, nullable=False),
    sa.Column('received_at', DT, nullable=False),
    sa.Column('sync_pos', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_payments_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_payments_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_sync_pos'), ['sync_pos'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_payments_sync_pos'))
    op.drop_table('payments')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_sync_pos'))
    op.drop_table('quotes')
