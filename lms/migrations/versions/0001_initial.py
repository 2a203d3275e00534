"""accounts, profiles, registry, program records, audit log

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_subject_user_id'), ['subject_user_id'], unique=False)

    op.create_table('prior_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('npn', sa.String(length=10), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('npn', 'program_key', name='uq_prior_completion')
    )
    with op.batch_alter_table('prior_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_completions_npn'), ['npn'], unique=False)

    op.create_table('producer_records',
    sa.Column('npn', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('resident_state', sa.String(length=2), nullable=False),
    sa.Column('license_active', sa.Boolean(), nullable=False),
    sa.Column('health_authority', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('npn')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('auth_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('identity_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('identity_verified_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('learner', 'author', 'admin')", name='ck_users_role'),
    sa.ForeignKeyConstraint(['identity_verified_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('agent_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('npn', sa.String(length=10), nullable=True),
    sa.Column('is_business_entity', sa.Boolean(), nullable=False),
    sa.Column('resident_state', sa.String(length=2), nullable=True),
    sa.Column('sell_states', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('npn_status', sa.String(length=24), nullable=False),
    sa.Column('npn_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("npn_status IN ('unchecked', 'valid', 'not_found', 'inactive', 'no_health_authority')", name='ck_profiles_npn_status'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id'),
    sa.UniqueConstraint('npn')
    )
    op.create_table('registration_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('npn', sa.String(length=10), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'program_key', name='uq_registration_completion')
    )
    with op.batch_alter_table('registration_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_completions_npn'), ['npn'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_completions_user_id'), ['user_id'], unique=False)

    _audit_log_append_only()
    op.create_table('track_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('track_key', sa.String(length=128), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'program_key', name='uq_track_choice')
    )


def _audit_log_append_only() -> None:
    """The audit log only grows: the database itself refuses UPDATE and DELETE on it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    op.drop_table('track_choices')
    with op.batch_alter_table('registration_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_completions_user_id'))
        batch_op.drop_index(batch_op.f('ix_registration_completions_npn'))

    op.drop_table('registration_completions')
    op.drop_table('agent_profiles')
    op.drop_table('users')
    op.drop_table('settings')
    op.drop_table('producer_records')
    with op.batch_alter_table('prior_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_completions_npn'))

    op.drop_table('prior_completions')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
