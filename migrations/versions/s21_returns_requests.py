"""Returns and exchanges: return_requests and return_photos

Revision ID: s21_returns_requests
Revises: s20_kpiroll_order_facts
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = 's21_returns_requests'
down_revision = 's20_kpiroll_order_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'return_requests',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.String(length=30), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=False),
        sa.Column('asset_id', sa.Uuid(), nullable=False),
        sa.Column('work_order_id', sa.Uuid(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('wish', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('purchase_date', sa.Date(), nullable=False),
        sa.Column('model', sa.String(length=80), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('window', sa.String(length=20), nullable=True),
        sa.Column('days_since_purchase', sa.Integer(), nullable=False),
        sa.Column('allowed', sa.JSON(), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('goodwill', sa.Boolean(), nullable=False),
        sa.Column('goodwill_reason', sa.Text(), nullable=True),
        sa.Column('mode', sa.String(length=20), nullable=True),
        sa.Column('inspection_order_id', sa.Uuid(), nullable=True),
        sa.Column('finding', sa.String(length=30), nullable=True),
        sa.Column('finding_notes', sa.Text(), nullable=True),
        sa.Column('inspected_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('proposed', sa.String(length=20), nullable=True),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('refund_cents', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('replacement_asset_id', sa.Uuid(), nullable=True),
        sa.Column('repair_order_id', sa.Uuid(), nullable=True),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['asset_id'], ['assets.id']),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id']),
        sa.ForeignKeyConstraint(['inspection_order_id'], ['work_orders.id']),
        sa.ForeignKeyConstraint(['replacement_asset_id'], ['assets.id']),
        sa.ForeignKeyConstraint(['repair_order_id'], ['work_orders.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    for column in ('customer_id', 'asset_id', 'reason', 'model', 'category', 'state',
                   'decision', 'created_at'):
        op.create_index(f'ix_return_requests_{column}', 'return_requests', [column])
    op.create_table(
        'return_photos',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('request_id', sa.Uuid(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['return_requests.id']),
        sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_return_photos_request_id', 'return_photos', ['request_id'])


def downgrade():
    op.drop_index('ix_return_photos_request_id', table_name='return_photos')
    op.drop_table('return_photos')
    for column in ('customer_id', 'asset_id', 'reason', 'model', 'category', 'state',
                   'decision', 'created_at'):
        op.drop_index(f'ix_return_requests_{column}', table_name='return_requests')
    op.drop_table('return_requests')
