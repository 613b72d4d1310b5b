"""settings carry a change-feed position: the symptom catalogue reaches the phones

The symptom catalogue and its intake questions are settings rows; a phone receives the
whole catalogue on a first pull and on the first pull after an admin changed it
(docs/sync-protocol.md §7b). The rows that already hold admin changes take a fresh
position, so phones that synced before this upgrade receive the catalogue on their next
pull.

Revision ID: s20_catalogue_settings_sync_pos
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 06:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 's20_catalogue_settings_sync_pos'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('settings') as batch:
        batch.add_column(sa.Column('sync_pos', sa.BigInteger(), server_default='0',
                                   nullable=False))
        batch.create_index(batch.f('ix_settings_sync_pos'), ['sync_pos'], unique=False)
    op.execute("UPDATE sync_counter SET value = value + 1 WHERE id = 1 AND EXISTS ("
               "SELECT 1 FROM settings WHERE key IN ('SYMPTOM_CATALOGUE', 'SYMPTOM_QUESTIONS'))")
    op.execute("UPDATE settings SET sync_pos = (SELECT value FROM sync_counter WHERE id = 1) "
               "WHERE key IN ('SYMPTOM_CATALOGUE', 'SYMPTOM_QUESTIONS')")


def downgrade():
    with op.batch_alter_table('settings') as batch:
        batch.drop_index(batch.f('ix_settings_sync_pos'))
        batch.drop_column('sync_pos')
