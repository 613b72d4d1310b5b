"""articles reach phones again, now with their sanitised HTML (body_html)

Phones that already hold articles got them without ``body_html``; moving every article to
a new change-feed position sends each once more in the next pull. No schema change.

Revision ID: s20_incidents_articles_resend
Revises: s20_incidents_group_kinds
Create Date: 2026-11-30 06:10:00

"""
from alembic import op


revision = 's20_incidents_articles_resend'
down_revision = 's20_incidents_group_kinds'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE sync_counter SET value = value + 1 WHERE id = 1")
    op.execute("UPDATE knowledge_articles SET sync_pos = "
               "(SELECT value FROM sync_counter WHERE id = 1)")


def downgrade():
    pass  # the rows were only sent again
