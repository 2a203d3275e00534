"""exam resets (attempts and grants kept, no longer counted); indexes for the admin's people list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reset_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('attempt_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reset_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_audit_log_subject_actor_at', 'audit_log', ['subject_user_id', 'actor_id', 'at'], unique=False)
    op.create_index('ix_module_progress_user_seen', 'module_progress', ['user_id', 'last_seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_module_progress_user_seen', table_name='module_progress')
    op.drop_index('ix_audit_log_subject_actor_at', table_name='audit_log')
    with op.batch_alter_table('attempt_grants', schema=None) as batch_op:
        batch_op.drop_column('reset_at')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('reset_at')
