"""server-side sessions, email confirmation, server-side seat time, a sealed audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts from before confirmation existed have been in use: count them as confirmed.
    op.execute("UPDATE users SET email_confirmed_at = created_at")

    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_until', sa.BigInteger(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE module_progress SET counted_until = EXTRACT(EPOCH FROM last_seen_at)::bigint")
    else:
        op.execute("UPDATE module_progress SET counted_until = CAST(strftime('%s', last_seen_at) AS INTEGER)")
    _seal_audit_log()


def _seal_audit_log() -> None:
    """Besides UPDATE and DELETE (0001): no INSERT OR REPLACE on SQLite, no TRUNCATE on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    else:
        # REPLACE deletes the old row without firing delete triggers; refuse the insert before it can.
        op.execute("CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
                   "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_column('counted_until')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
