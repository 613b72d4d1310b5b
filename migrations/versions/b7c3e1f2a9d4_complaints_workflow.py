"""complaints workflow: grade, deadlines, close fields, escalation level; complaint_steps

The minimal complaint record of the customer's page grows into the complaints workflow:
existing rows keep their data, become green, and get a verify deadline when they have none.

Revision ID: b7c3e1f2a9d4
Revises: c4a8d2e6f013
Create Date: 2026-11-30 00:55:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'b7c3e1f2a9d4'
down_revision = 'c4a8d2e6f013'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.String(length=10), nullable=False,
                                      server_default='green'))
        batch_op.add_column(sa.Column('technician_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('asset_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('verify_by', DT, nullable=True))
        batch_op.add_column(sa.Column('resolve_by', DT, nullable=True))
        batch_op.add_column(sa.Column('verified_at', DT, nullable=True))
        batch_op.add_column(sa.Column('plan', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('plan_due', DT, nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('confirmation', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('closed_at', DT, nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('escalated_at', DT, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaints_technician_id_technicians'),
                                    'technicians', ['technician_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_complaints_asset_id_assets'),
                                    'assets', ['asset_id'], ['id'])
    op.create_table('complaint_steps',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('said_to_customer', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_steps_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_complaint_steps_author_id_users')),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_complaint_steps_recipient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_steps'))
    )
    with op.batch_alter_table('complaint_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_steps_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_steps_complaint_id'))
    op.drop_table('complaint_steps')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaints_asset_id_assets'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_complaints_technician_id_technicians'), type_='foreignkey')
        for name in ('escalated_at', 'escalation_level', 'closed_at', 'confirmation', 'category',
                     'resolution', 'plan_due', 'plan', 'verified_at', 'resolve_by', 'verify_by',
                     'asset_id', 'technician_id', 'grade'):
            batch_op.drop_column(name)
