"""claim lines: reimbursed to the dealer, beside covered for the buyer

A late or missing warranty card decides who pays, never whether the buyer is covered (the 2010
regulation's 第四条, 第五条). Until now a line's ``covered`` folded both together. Each line now
carries ``reimbursed`` (the maker pays the dealer) and ``not_reimbursed`` (why not).

Existing lines: reimbursed = covered (so far covered already required a recognised card). A line
whose only reason was the late card (``card_not_recognised``) had its dates and sale judged, so
it is covered for the buyer: it becomes covered, not reimbursed for that reason, and stops being
paid service — no farmer is billed for it. A line without a card (``no_card``) keeps its answer:
the old rule never looked at its dates; it is judged again whenever its draft changes.

Revision ID: 3f7a1c9e5b20
Revises: c61f0d8e2a75
Create Date: 2026-12-07 05:10:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '3f7a1c9e5b20'
down_revision = 'c61f0d8e2a75'
branch_labels = None
depends_on = None

LATE = 'card_not_recognised'


def upgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reimbursed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('not_reimbursed', sa.JSON(), nullable=False,
                                      server_default='[]'))
    op.execute('UPDATE claim_lines SET reimbursed = covered')
    _late_cards_cover_the_buyer()


def _late_cards_cover_the_buyer():
    lines = sa.table('claim_lines', sa.column('id', sa.Integer), sa.column('covered', sa.Boolean),
                     sa.column('not_covered', sa.JSON), sa.column('not_reimbursed', sa.JSON),
                     sa.column('paid_service', sa.Boolean))
    bind = op.get_bind()
    rows = bind.execute(sa.select(lines.c.id, lines.c.not_covered)
                        .where(lines.c.covered.is_(False))).all()
    for line_id, reasons in rows:
        reasons = json.loads(reasons) if isinstance(reasons, str) else reasons
        if reasons == [LATE]:
            bind.execute(lines.update().where(lines.c.id == line_id).values(
                covered=True, not_covered=[], not_reimbursed=[LATE], paid_service=False))


def downgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_column('not_reimbursed')
        batch_op.drop_column('reimbursed')
