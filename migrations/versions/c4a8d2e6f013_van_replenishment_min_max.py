"""van replenishment: min/max per part per van, on the van's stock level

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
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_quantity', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_column('max_quantity')
        batch_op.drop_column('min_quantity')
