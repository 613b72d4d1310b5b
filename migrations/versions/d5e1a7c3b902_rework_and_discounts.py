"""reworks name the first visit; the office's waiver or discount with its reason

Revision ID: d5e1a7c3b902
Revises: c4d8e2a1f7b3
Create Date: 2026-11-30 02:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e1a7c3b902'
down_revision = 'c4d8e2a1f7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_orders') as batch:
        batch.add_column(sa.Column('rework_of', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('discount_kind', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('discount_value', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('discount_reason', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('discount_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_orders') as batch:
        batch.drop_column('discount_note')
        batch.drop_column('discount_reason')
        batch.drop_column('discount_value')
        batch.drop_column('discount_kind')
        batch.drop_column('rework_of')
