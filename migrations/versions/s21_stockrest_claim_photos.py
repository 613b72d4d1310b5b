"""photos attached to a warranty claim itself (rating plate, faulty part)

Revision ID: s21_stockrest_claim_photos
Revises: s21_stockrest_purchases
Create Date: 2026-11-30 09:10:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 's21_stockrest_claim_photos'
down_revision = 's21_stockrest_purchases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('warranty_claim_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('claim_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=True),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['warranty_claims.id'], name=op.f('fk_warranty_claim_photos_claim_id_warranty_claims')),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_warranty_claim_photos_sha256_blobs')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_warranty_claim_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warranty_claim_photos'))
    )
    with op.batch_alter_table('warranty_claim_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warranty_claim_photos_claim_id'), ['claim_id'], unique=False)


def downgrade():
    with op.batch_alter_table('warranty_claim_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warranty_claim_photos_claim_id'))
    op.drop_table('warranty_claim_photos')
