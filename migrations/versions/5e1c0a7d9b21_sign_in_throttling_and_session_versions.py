"""sessions end on sign-out (users.session_version), sign-in throttling, blob grants

users.session_version ends console sessions; rate_limit_counters throttle sign-ins;
blob_grants say which orders may use which uploaded bytes.

Revision ID: 5e1c0a7d9b21
Revises: 40c5df51c034
Create Date: 2026-11-29 23:40:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '5e1c0a7d9b21'
down_revision = '40c5df51c034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blob_grants',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('granted_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_blob_grants_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('sha256', 'work_order_id', name=op.f('pk_blob_grants'))
    )
    with op.batch_alter_table('blob_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blob_grants_work_order_id'), ['work_order_id'], unique=False)
    # Bytes already stored stay usable by the orders that reference them today.
    op.execute(
        "INSERT INTO blob_grants (sha256, work_order_id, granted_at) "
        "SELECT DISTINCT ref.sha256, ref.work_order_id, CURRENT_TIMESTAMP FROM ("
        " SELECT sha256, work_order_id FROM photos"
        " UNION SELECT image_sha256, work_order_id FROM signatures) AS ref"
        " JOIN blobs ON blobs.sha256 = ref.sha256")

    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))

    op.drop_table('rate_limit_counters')

    with op.batch_alter_table('blob_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blob_grants_work_order_id'))

    op.drop_table('blob_grants')
