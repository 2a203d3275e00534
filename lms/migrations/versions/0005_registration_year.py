"""registrations per program, profile confirmations, agreement acceptances, certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Completions from before were of the one (Individual Marketplace) registration.
    with op.batch_alter_table('registration_completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_key', sa.String(length=64), nullable=False,
                                      server_default='individual'))
        batch_op.add_column(sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lapse_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_constraint('uq_registration_completion', type_='unique')
        batch_op.create_unique_constraint('uq_registration_completion', ['user_id', 'program_key', 'registration_key'])
        batch_op.create_index(batch_op.f('ix_registration_completions_program_key'), ['program_key'], unique=False)

    op.create_table('profile_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'program_key', name='uq_profile_confirmation')
    )
    with op.batch_alter_table('profile_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_confirmations_user_id'), ['user_id'], unique=False)

    op.create_table('agreement_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('agreement_key', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('text_html', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agreement_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_acceptances_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_acceptances_agreement_key'), ['agreement_key'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('registration_key', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('user_id', 'program_key', 'registration_key', name='uq_certificate')
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)
    _acceptances_append_only()


def _acceptances_append_only() -> None:
    """What an agent accepted never changes afterwards: the database refuses it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION agreement_acceptances_append_only() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'agreement_acceptances is append-only'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER agreement_acceptances_no_change BEFORE UPDATE OR DELETE "
                   "ON agreement_acceptances FOR EACH ROW EXECUTE FUNCTION agreement_acceptances_append_only()")
        op.execute("CREATE TRIGGER agreement_acceptances_no_truncate BEFORE TRUNCATE ON agreement_acceptances "
                   "FOR EACH STATEMENT EXECUTE FUNCTION agreement_acceptances_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER agreement_acceptances_no_{event.lower()} BEFORE {event} "
                       "ON agreement_acceptances BEGIN SELECT RAISE(ABORT, 'agreement_acceptances is append-only'); END")
        op.execute("CREATE TRIGGER agreement_acceptances_no_replace BEFORE INSERT ON agreement_acceptances "
                   "WHEN EXISTS (SELECT 1 FROM agreement_acceptances WHERE id = NEW.id) "
                   "BEGIN SELECT RAISE(ABORT, 'agreement_acceptances is append-only'); END")


def downgrade() -> None:
    op.drop_table('certificates')
    op.drop_table('agreement_acceptances')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS agreement_acceptances_append_only()")
    op.drop_table('profile_confirmations')
    with op.batch_alter_table('registration_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_completions_program_key'))
        batch_op.drop_constraint('uq_registration_completion', type_='unique')
        batch_op.create_unique_constraint('uq_registration_completion', ['user_id', 'program_key'])
        batch_op.drop_column('lapse_reason')
        batch_op.drop_column('lapsed_at')
        batch_op.drop_column('registration_key')
