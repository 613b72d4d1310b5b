"""incidents grouped by batch, replaced part and root cause; assets know their batch

``incidents.kind`` says what a group shares besides the product model (symptom, batch,
part, root_cause) and ``group_value`` its value; existing incidents are symptom groups.
``assets.production_batch`` records a batch when it is known.

Revision ID: s20_incidents_group_kinds
Revises: s20_vanstock_templates_requests
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 's20_incidents_group_kinds'
down_revision = 's20_vanstock_templates_requests'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='symptom'))
        batch_op.add_column(sa.Column('group_value', sa.String(length=80), nullable=True))
        batch_op.alter_column('symptom_code', existing_type=sa.String(length=60),
                              nullable=True)
    op.execute("UPDATE incidents SET group_value = symptom_code")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.alter_column('group_value', existing_type=sa.String(length=80),
                              nullable=False)
        batch_op.create_index('ix_incidents_kind_group',
                              ['kind', 'product_model', 'group_value', 'status'], unique=False)
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('production_batch', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_column('production_batch')
    gone = "SELECT id FROM incidents WHERE kind <> 'symptom'"
    for table in ('incident_level_changes', 'incident_deadlines', 'incident_orders',
                  'incident_messages'):
        op.execute(f"DELETE FROM {table} WHERE incident_id IN ({gone})")
    op.execute("DELETE FROM incidents WHERE kind <> 'symptom'")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_kind_group')
        batch_op.alter_column('symptom_code', existing_type=sa.String(length=60),
                              nullable=False)
        batch_op.drop_column('group_value')
        batch_op.drop_column('kind')
