"""KPIs: the rollup, one row of facts per work order (kpi_order_facts); fill it for the
orders already on record with `flask kpis rebuild`

Revision ID: s20_kpiroll_order_facts
Revises: s20_incidents_articles_resend
Create Date: 2026-11-30 06:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = 's20_kpiroll_order_facts'
down_revision = 's20_incidents_articles_resend'
branch_labels = None
depends_on = None

DIMENSIONS = ("tech", "region", "city", "category", "type", "channel")


def upgrade():
    op.create_table(
        'kpi_order_facts',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_s', sa.BigInteger(), nullable=False),
        sa.Column('tier', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('tech', sa.Uuid(), nullable=True),
        sa.Column('region', sa.String(length=80), nullable=True),
        sa.Column('city', sa.String(length=100), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('type', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('booked_s', sa.BigInteger(), nullable=True),
        sa.Column('arrived_s', sa.BigInteger(), nullable=True),
        sa.Column('completed_s', sa.BigInteger(), nullable=True),
        sa.Column('respond_by_s', sa.BigInteger(), nullable=True),
        sa.Column('due3_s', sa.BigInteger(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('repeated', sa.Integer(), nullable=False),
        sa.Column('parts_cents', sa.BigInteger(), nullable=False),
        sa.Column('labour_cents', sa.BigInteger(), nullable=False),
        sa.Column('travel_cents', sa.BigInteger(), nullable=False),
        sa.Column('warranty_parts_cents', sa.BigInteger(), nullable=False),
        sa.Column('warranty_credited_cents', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_order_facts')),
    )
    op.create_index('ix_kpi_order_facts_created', 'kpi_order_facts', ['created_s'])
    for name in DIMENSIONS:
        op.create_index(f'ix_kpi_order_facts_{name}', 'kpi_order_facts', [name, 'created_s'])
    # Orders already on record: `flask kpis rebuild` after the upgrade (docs/operations.md).


def downgrade():
    for name in reversed(DIMENSIONS):
        op.drop_index(f'ix_kpi_order_facts_{name}', table_name='kpi_order_facts')
    op.drop_index('ix_kpi_order_facts_created', table_name='kpi_order_facts')
    op.drop_table('kpi_order_facts')
