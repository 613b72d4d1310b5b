"""Signatures: an index on received_at (the weekly QC draw reads a week's signatures)

Revision ID: f1a2b3c4d5e6
Revises: e5a1c7d3b902
Create Date: 2026-11-30 06:00:00

"""
from alembic import op


revision = 'f1a2b3c4d5e6'
down_revision = 'e5a1c7d3b902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_signatures_received_at", "signatures", ["received_at"])


def downgrade():
    op.drop_index("ix_signatures_received_at", table_name="signatures")
