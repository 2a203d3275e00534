"""indexes that lead with an exam, program or agreement key carry the agent too, so a page's read of one
agent's rows reaches only that agent's rows whatever the planner's statistics say

attempts, registration_completions, track_completions and agreement_acceptances each had an index on
their key alone, for the admin's lists, beside a unique index leading with user_id for the agent's
pages. Without statistics (a new site, or autovacuum off) PostgreSQL costs the two the same for "this
agent, this exam" and may take the key's index, reading every attempt at the exam and filtering by
agent: the benchmark's module page filtered away 256 readers' attempts to find the agent's one
(about 80 µs more of the server's CPU a page). With the agent as the key index's second column,
either index reaches the agent's rows directly; the admin's lists by key use the same index as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# (table, key column, index on the key alone, index on the key and the agent)
_REPLACED = (
    ('attempts', 'exam_key', 'ix_attempts_exam_key', 'ix_attempts_exam_user'),
    ('registration_completions', 'program_key', 'ix_registration_completions_program_key',
     'ix_registration_completions_program_user'),
    ('track_completions', 'program_key', 'ix_track_completions_program_key', 'ix_track_completions_program_user'),
    ('agreement_acceptances', 'agreement_key', 'ix_agreement_acceptances_agreement_key',
     'ix_agreement_acceptances_agreement_user'),
)


def upgrade() -> None:
    for table, key, alone, with_agent in _REPLACED:
        op.create_index(with_agent, table, [key, 'user_id'], unique=False)
        op.drop_index(alone, table_name=table)


def downgrade() -> None:
    for table, key, alone, with_agent in _REPLACED:
        op.create_index(alone, table, [key], unique=False)
        op.drop_index(with_agent, table_name=table)
