"""KPIs: indexes on the timestamps and links the dashboard's aggregates read

Revision ID: e7b2c4d6f8a1
Revises: d5e1a7c3b9f2
Create Date: 2026-11-30 03:15:00

"""
from alembic import op


revision = 'e7b2c4d6f8a1'
down_revision = 'd5e1a7c3b9f2'
branch_labels = None
depends_on = None

INDEXES = (
    # repeat orders of the period's orders (first-time fix, repeat-repair rate)
    ("ix_work_orders_repeat_of_id", "work_orders", ["repeat_of_id"]),
    # the first booking of each order: its history by status
    ("ix_work_order_events_status_order", "work_order_events",
     ["to_status", "work_order_id", "server_time"]),
    # surveys, complaints, follow-ups and time logs of a period
    ("ix_surveys_submitted_at", "surveys", ["submitted_at"]),
    ("ix_complaints_created_at", "complaints", ["created_at"]),
    ("ix_followups_due_at", "followups", ["due_at"]),
    ("ix_followups_done_at", "followups", ["done_at"]),
    ("ix_time_logs_started_at", "time_logs", ["started_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
