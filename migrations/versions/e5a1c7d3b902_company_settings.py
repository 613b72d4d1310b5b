"""company settings as data: name, zone, calendar, region calendars, SLA policy, symptoms

One row per setting an admin changed under /admin; a setting without a row reads from
the configuration (or the built-in SLA policy and symptom catalogue), so an upgraded
database behaves exactly as before until someone edits a setting.

Revision ID: e5a1c7d3b902
Revises: 214054e75d91
Create Date: 2026-11-30 02:45:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'e5a1c7d3b902'
down_revision = '214054e75d91'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )


def downgrade():
    op.drop_table('settings')
