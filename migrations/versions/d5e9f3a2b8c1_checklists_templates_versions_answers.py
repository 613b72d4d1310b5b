"""checklists: templates per job type and category, their versions, answers from the phone

Revision ID: d5e9f3a2b8c1
Revises: d5e9a3b7c104
Create Date: 2026-11-30 02:50:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


revision = 'd5e9f3a2b8c1'
down_revision = 'd5e9a3b7c104'
branch_labels = None
depends_on = None

DT = server.database.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('checklist_templates',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('job_types', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('models', sa.JSON(), nullable=False),
    sa.Column('blocks_completion', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', DT, nullable=False),
    sa.Column('sync_pos', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_checklist_templates_sync_pos'), 'checklist_templates',
                    ['sync_pos'], unique=False)
    op.create_table('checklist_template_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('job_types', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('models', sa.JSON(), nullable=False),
    sa.Column('blocks_completion', sa.Boolean(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('saved_at', DT, nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('template_id', 'version')
    )
    op.create_table('checklist_answers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('out_of_limits', sa.Boolean(), nullable=False),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('device_time', DT, nullable=True),
    sa.Column('created_at', DT, nullable=False),
    sa.Column('sync_pos', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_checklist_answers_work_order_id'), 'checklist_answers',
                    ['work_order_id'], unique=False)
    op.create_index('ix_checklist_answers_order_item', 'checklist_answers',
                    ['work_order_id', 'item_key'], unique=False)
    op.create_index(op.f('ix_checklist_answers_sync_pos'), 'checklist_answers',
                    ['sync_pos'], unique=False)


def downgrade():
    op.drop_table('checklist_answers')
    op.drop_table('checklist_template_versions')
    op.drop_table('checklist_templates')
