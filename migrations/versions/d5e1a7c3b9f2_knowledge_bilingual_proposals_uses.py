"""knowledge: an article's translation, drafts, images, technicians' proposals, openings and ratings; incident messages to customers

Revision ID: d5e1a7c3b9f2
Revises: d5e9f3a2b8c1
Create Date: 2026-11-30 02:50:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'd5e1a7c3b9f2'
down_revision = 'd5e9f3a2b8c1'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('knowledge_articles') as batch:
        batch.add_column(sa.Column('translation_title', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('translation_body', sa.Text(), nullable=True))
        batch.add_column(sa.Column('published', sa.Boolean(), server_default=sa.true(),
                                   nullable=False))
    with op.batch_alter_table('knowledge_article_versions') as batch:
        batch.add_column(sa.Column('translation_title', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('translation_body', sa.Text(), nullable=True))
    op.create_table('knowledge_proposals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', DT, nullable=True),
    sa.Column('article_id', sa.Uuid(), nullable=True),
    sa.Column('device_time', DT, nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_knowledge_proposals_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_knowledge_proposals_author_id_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_knowledge_proposals_reviewer_id_users')),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_proposals_article_id_knowledge_articles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_proposals'))
    )
    op.create_index(op.f('ix_knowledge_proposals_work_order_id'), 'knowledge_proposals', ['work_order_id'])
    op.create_index(op.f('ix_knowledge_proposals_status'), 'knowledge_proposals', ['status'])
    op.create_table('knowledge_article_uses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('article_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('opened_at', DT, nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.Column('rated_at', DT, nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_article_uses_article_id_knowledge_articles')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_knowledge_article_uses_user_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_knowledge_article_uses_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_article_uses'))
    )
    op.create_index(op.f('ix_knowledge_article_uses_article_id'), 'knowledge_article_uses', ['article_id'])
    op.create_table('knowledge_images',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_knowledge_images_sha256_blobs')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_knowledge_images_uploaded_by_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_knowledge_images'))
    )

    op.create_table('incident_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('text_zh', sa.Text(), nullable=True),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_messages_incident_id_incidents')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_incident_messages_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_messages'))
    )
    op.create_index(op.f('ix_incident_messages_incident_id'), 'incident_messages', ['incident_id'])


def downgrade():
    op.drop_index(op.f('ix_incident_messages_incident_id'), table_name='incident_messages')
    op.drop_table('incident_messages')
    op.drop_table('knowledge_images')
    op.drop_index(op.f('ix_knowledge_article_uses_article_id'), table_name='knowledge_article_uses')
    op.drop_table('knowledge_article_uses')
    op.drop_index(op.f('ix_knowledge_proposals_status'), table_name='knowledge_proposals')
    op.drop_index(op.f('ix_knowledge_proposals_work_order_id'), table_name='knowledge_proposals')
    op.drop_table('knowledge_proposals')
    with op.batch_alter_table('knowledge_article_versions') as batch:
        batch.drop_column('translation_body')
        batch.drop_column('translation_title')
    with op.batch_alter_table('knowledge_articles') as batch:
        batch.drop_column('published')
        batch.drop_column('translation_body')
        batch.drop_column('translation_title')
