"""fewer index pages per event and per attempt: no index on audit_log.at, outbox_events.name or
attempts.user_id

Every event writes an audit entry and an outbox row, and each index on them is one more page in
the commit (on SQLite one more frame of the write-ahead log): a submission wrote 16.7 pages. No
query looks audit entries up by time alone (lists go by id, or by subject through
ix_audit_log_subject_actor_at) or outbox rows up by name, and uq_attempt_number's index already
leads with attempts.user_id, so these three were written and never read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_index('ix_outbox_events_name', table_name='outbox_events')
    op.drop_index('ix_attempts_user_id', table_name='attempts')


def downgrade() -> None:
    op.create_index('ix_attempts_user_id', 'attempts', ['user_id'], unique=False)
    op.create_index('ix_outbox_events_name', 'outbox_events', ['name'], unique=False)
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
