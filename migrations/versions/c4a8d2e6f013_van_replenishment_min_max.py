"""van replenishment: min/max per part per van

Revision ID: c4a8d2e6f013
Revises: b7e3c91d4a20
Create Date: 2026-11-30 00:52:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a8d2e6f013'
down_revision = 'b7e3c91d4a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('van_stock_rules',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('part_id', sa.Uuid(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('max_quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_van_stock_rules_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_van_stock_rules_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_van_stock_rules')),
    sa.UniqueConstraint('location_id', 'part_id', name=op.f('uq_van_stock_rules_location_id'))
    )
    with op.batch_alter_table('van_stock_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_van_stock_rules_location_id'), ['location_id'], unique=False)


def downgrade():
    with op.batch_alter_table('van_stock_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_van_stock_rules_location_id'))
    op.drop_table('van_stock_rules')
