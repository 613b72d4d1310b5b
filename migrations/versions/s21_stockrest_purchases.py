"""purchase orders from suppliers (lines, receipts); a parts request knows the purchase raised
for it and the day it is expected

Revision ID: s21_stockrest_purchases
Revises: s21_returns_requests
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 's21_stockrest_purchases'
down_revision = 's21_returns_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('supplier', sa.String(length=120), nullable=False),
    sa.Column('warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ordered_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_purchase_orders_actor_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['stock_locations.id'], name=op.f('fk_purchase_orders_warehouse_id_stock_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_orders_number'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_supplier'), ['supplier'], unique=False)

    op.create_table('purchase_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('purchase_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received_quantity', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_purchase_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['purchase_id'], ['purchase_orders.id'], name=op.f('fk_purchase_lines_purchase_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_lines')),
    sa.UniqueConstraint('purchase_id', 'part_id', name=op.f('uq_purchase_lines_purchase_id'))
    )
    with op.batch_alter_table('purchase_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_lines_purchase_id'), ['purchase_id'], unique=False)

    with op.batch_alter_table('part_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('expected_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_part_requests_purchase_id'), ['purchase_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_part_requests_purchase_id_purchase_orders'), 'purchase_orders', ['purchase_id'], ['id'])


def downgrade():
    with op.batch_alter_table('part_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_part_requests_purchase_id_purchase_orders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_part_requests_purchase_id'))
        batch_op.drop_column('expected_on')
        batch_op.drop_column('purchase_id')
    with op.batch_alter_table('purchase_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_lines_purchase_id'))
    op.drop_table('purchase_lines')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_supplier'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_status'))
    op.drop_table('purchase_orders')
