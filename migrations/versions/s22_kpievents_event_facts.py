"""KPIs: ratings, follow-ups and time logs in the rollup with their order's dimensions
(kpi_event_facts), filled here from the rows on record

Revision ID: s22_kpievents_event_facts
Revises: s21_stockrest_claim_photos
Create Date: 2026-11-30 12:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = 's22_kpievents_event_facts'
down_revision = 's21_stockrest_claim_photos'
branch_labels = None
depends_on = None

DIMENSIONS = ("tech", "region", "city", "category", "type", "channel")
# every column a KPI reads but the order's dimensions: a period read from the index alone
COVERED = ["kind", "at_s", "value", "sub", "timeliness", "attitude", "quality", "logger",
           "logger_region"]
ORDER_DIMS = "k.tech, k.region, k.city, k.category, k.type, k.channel"


def upgrade():
    op.create_table(
        'kpi_event_facts',
        sa.Column('src', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('order_id', sa.Uuid(), nullable=True),
        sa.Column('at_s', sa.BigInteger(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=True),
        sa.Column('timeliness', sa.Integer(), nullable=True),
        sa.Column('attitude', sa.Integer(), nullable=True),
        sa.Column('quality', sa.Integer(), nullable=True),
        sa.Column('sub', sa.String(length=20), nullable=True),
        sa.Column('logger', sa.Uuid(), nullable=True),
        sa.Column('logger_region', sa.String(length=80), nullable=True),
        sa.Column('tech', sa.Uuid(), nullable=True),
        sa.Column('region', sa.String(length=80), nullable=True),
        sa.Column('city', sa.String(length=100), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('type', sa.String(length=20), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint('src', 'kind', name=op.f('pk_kpi_event_facts')),
    )
    op.create_index('ix_kpi_event_facts_at', 'kpi_event_facts', COVERED)
    op.create_index('ix_kpi_event_facts_order', 'kpi_event_facts', ['order_id'])
    for name in DIMENSIONS:
        op.create_index(f'ix_kpi_event_facts_{name}', 'kpi_event_facts',
                        ['kind', name, 'at_s'])
    _fill()


def _fill():
    """The rows on record, with their order's dimensions from kpi_order_facts (the same
    rows ``kpis.rollup`` writes; `flask kpis rebuild` recomputes both from scratch)."""
    if op.get_bind().dialect.name == "postgresql":
        def epoch(column):
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    else:
        def epoch(column):
            return f"CAST(strftime('%s', {column}) AS INTEGER)"
    into = ("INSERT INTO kpi_event_facts (src, kind, order_id, at_s, value, timeliness, "
            "attitude, quality, sub, logger, logger_region, tech, region, city, category, "
            "type, channel) ")
    op.execute(into + f"SELECT s.id, 'rating', s.work_order_id, {epoch('s.submitted_at')}, "
               f"s.rating, NULL, NULL, NULL, NULL, NULL, NULL, {ORDER_DIMS} FROM surveys s "
               "LEFT JOIN kpi_order_facts k ON k.id = s.work_order_id")
    op.execute(into + f"SELECT f.id, 'followup_due', f.work_order_id, {epoch('f.due_at')}, "
               "CASE WHEN f.status = 'done' THEN 1 ELSE 0 END, NULL, NULL, NULL, NULL, NULL, "
               f"NULL, {ORDER_DIMS} FROM followups f "
               "LEFT JOIN kpi_order_facts k ON k.id = f.work_order_id")
    op.execute(into + f"SELECT f.id, 'followup_done', f.work_order_id, {epoch('f.done_at')}, "
               "NULL, f.timeliness, f.attitude, f.quality, NULL, NULL, NULL, "
               f"{ORDER_DIMS} FROM followups f "
               "LEFT JOIN kpi_order_facts k ON k.id = f.work_order_id "
               "WHERE f.status = 'done' AND f.done_at IS NOT NULL")
    op.execute(into + f"SELECT t.id, 'time', t.work_order_id, {epoch('t.started_at')}, "
               f"{epoch('t.ended_at')} - {epoch('t.started_at')}, NULL, NULL, NULL, t.kind, "
               f"t.technician_id, g.region, {ORDER_DIMS} FROM time_logs t "
               "LEFT JOIN kpi_order_facts k ON k.id = t.work_order_id "
               "LEFT JOIN technicians g ON g.id = t.technician_id")


def downgrade():
    for name in reversed(DIMENSIONS):
        op.drop_index(f'ix_kpi_event_facts_{name}', table_name='kpi_event_facts')
    op.drop_index('ix_kpi_event_facts_order', table_name='kpi_event_facts')
    op.drop_index('ix_kpi_event_facts_at', table_name='kpi_event_facts')
    op.drop_table('kpi_event_facts')
