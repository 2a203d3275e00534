"""fewer index pages per submission: attempt_items by version then attempt; no second index on an
audit entry's subject

A submission writes one attempt_items row per question. Indexed by (version, question), those rows
landed on a different index page each, 11 of the 25 pages a submission wrote; indexed by
(version, attempt) they land together at the end of their version's run, and the item statistics,
which read a version's rows, read them in table order (on SQLite 321-391 ms -> 231 ms for 120,290
attempts; PostgreSQL 167-181 -> 180-182 ms). audit_log's index on subject_user_id alone repeated
the first column of ix_audit_log_subject_actor_at, which answers the same lookups.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attempt_items_version_attempt', 'attempt_items', ['content_hash', 'attempt_id'], unique=False)
    op.drop_index('ix_attempt_items_version_question', table_name='attempt_items')
    op.drop_index('ix_audit_log_subject_user_id', table_name='audit_log')


def downgrade() -> None:
    op.create_index('ix_audit_log_subject_user_id', 'audit_log', ['subject_user_id'], unique=False)
    op.create_index('ix_attempt_items_version_question', 'attempt_items', ['content_hash', 'question_id'],
                    unique=False)
    op.drop_index('ix_attempt_items_version_attempt', table_name='attempt_items')
