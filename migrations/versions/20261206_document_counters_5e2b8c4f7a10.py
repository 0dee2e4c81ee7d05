"""one counter per kind of document and year (document_counters), replacing notice_counters

Every numbered document now takes its number from document_counters (portal/core/numbering.py).
Each (kind, year) row starts at the highest number of that kind already stored in that year
(for notices also at least the old counter's value), so new numbers continue the old ones.
The numbers are read and parsed here with the formats as they are today, not with the app's
code, so this migration means the same thing later.

Revision ID: 5e2b8c4f7a10
Revises: b7a4689403b6
Create Date: 2026-12-06 23:00:00
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '5e2b8c4f7a10'
down_revision = 'b7a4689403b6'
branch_labels = None
depends_on = None

# kind: (table, the number's prefix before the year, after the year)
KINDS = {
    'claim': ('claims', 'WX', ''),
    'service_request': ('service_requests', 'FW', ''),
    'return_shipment': ('return_shipments', 'HY', ''),
    'notice': ('write_off_notices', 'HX-', '-'),
    'delivery_note': ('delivery_notes', 'FH-', '-'),
    'complaint': ('complaints', 'TS', ''),
    'stock_return': ('stock_returns', 'FC-', '-'),
}


def _highest(conn, table, before, after):
    """{year: highest sequence} of the table's numbers written as before + year + after + digits."""
    shape = re.compile(re.escape(before) + r'(\d{4})' + re.escape(after) + r'(\d{1,9})')
    highest = {}
    rows = conn.execute(sa.text(f'SELECT number FROM {table} WHERE number >= :lo AND number < :hi'),
                        {'lo': before, 'hi': before + '\U0010ffff'})
    for (number,) in rows:
        match = shape.fullmatch(number)
        if match:
            year, seq = int(match[1]), int(match[2])
            highest[year] = max(highest.get(year, 0), seq)
    return highest


def upgrade():
    counters = op.create_table(
        'document_counters',
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_document_counters')))
    conn = op.get_bind()
    rows = []
    for kind, (table, before, after) in KINDS.items():
        highest = _highest(conn, table, before, after)
        if kind == 'notice':
            for year, last in conn.execute(sa.text('SELECT year, last FROM notice_counters')):
                highest[year] = max(highest.get(year, 0), last)
        rows += [{'kind': kind, 'year': year, 'last': last} for year, last in highest.items()]
    if rows:
        op.bulk_insert(counters, rows)
    op.drop_table('notice_counters')


def downgrade():
    notice_counters = op.create_table(
        'notice_counters',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_notice_counters')))
    rows = op.get_bind().execute(sa.text(
        "SELECT year, last FROM document_counters WHERE kind = 'notice'")).all()
    if rows:
        op.bulk_insert(notice_counters, [{'year': y, 'last': n} for y, n in rows])
    op.drop_table('document_counters')
