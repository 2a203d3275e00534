"""per-question scores of submitted attempts (item analysis), backfilled from the attempts already scored

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 1000
# Option bits above this do not fit a signed 64-bit column; no shipped question has that many.
MAX_OPTIONS = 62

items = sa.table('attempt_items', sa.column('attempt_id', sa.Integer), sa.column('question_id', sa.String),
                 sa.column('content_hash', sa.String), sa.column('points', sa.Float),
                 sa.column('max_points', sa.Float), sa.column('picked', sa.BigInteger))


def upgrade() -> None:
    op.create_table('attempt_items',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('picked', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'question_id')
    )
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_items_version_question', ['content_hash', 'question_id'], unique=False)
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table('attempt_items')


def backfill(connection: sa.Connection) -> None:
    """Items for every attempt scored before this table existed, a thousand attempts at a time.

    The points come from each attempt's stored results and the maxima and options from the exam
    version it was taken on, so nothing is re-scored. This copies the picking rules of the
    choice types as they are today (lms/services/item_scores.py), as a migration must.
    """
    questions_by_hash: dict[str, dict[str, dict[str, Any]]] = {}
    last = 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, content_hash, answers, results FROM attempts WHERE status = 'submitted' AND id > :last "
            "ORDER BY id LIMIT :batch"), {"last": last, "batch": BATCH}).all()
        if not rows:
            return
        found = []
        for attempt_id, content_hash, answers, results in rows:
            if content_hash not in questions_by_hash:
                snapshot = connection.scalar(sa.text("SELECT snapshot FROM exam_versions WHERE content_hash = :h"),
                                             {"h": content_hash})
                questions_by_hash[content_hash] = {question['id']: question
                                                   for question in json.loads(snapshot or '{}').get('questions', [])}
            questions, given = questions_by_hash[content_hash], json.loads(answers or '{}')
            for question_id, points in json.loads(results or '{}').items():
                question = questions.get(question_id)
                if question is not None:
                    found.append({'attempt_id': attempt_id, 'question_id': question_id, 'content_hash': content_hash,
                                  'points': float(points), 'max_points': float(question['points']),
                                  'picked': _picked(question, given.get(question_id))})
        if found:
            connection.execute(items.insert(), found)
        last = rows[-1][0]


def _picked(question: dict[str, Any], answer: Any) -> int | None:
    kind = question['type']
    if kind == 'true_false':
        return {True: 1, False: 2}.get(answer, 0) if isinstance(answer, bool) else 0
    if kind not in ('single', 'multiple'):
        return None
    chosen = [answer] if kind == 'single' else (answer if isinstance(answer, list) else [])
    mask = 0
    for index in chosen:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < min(len(question['choices']),
                                                                                        MAX_OPTIONS):
            mask |= 1 << index
    return mask
