"""stock ledger: notes, serials and reversals on movements; low-stock threshold per location

Revision ID: b7e3c91d4a20
Revises: 4c61321b5a48
Create Date: 2026-11-30 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c91d4a20'
down_revision = '4c61321b5a48'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('low_stock_threshold', sa.Integer(), server_default='2',
                                      nullable=False))

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('serial', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('reverses_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stock_movements_serial'), ['serial'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_stock_movements_reverses_id'),
                                          ['reverses_id'])
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_reverses_id_stock_movements'),
                                    'stock_movements', ['reverses_id'], ['id'])


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_movements_reverses_id_stock_movements'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_stock_movements_reverses_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_stock_movements_serial'))
        batch_op.drop_column('reverses_id')
        batch_op.drop_column('serial')
        batch_op.drop_column('note')

    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.drop_column('low_stock_threshold')
