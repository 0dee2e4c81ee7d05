"""owed parts still to come back, in due order (a partial index for the overdue lists)

Revision ID: b7a4689403b6
Revises: 8d2e4b6f1a93
Create Date: 2026-11-24 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7a4689403b6'
down_revision = '8d2e4b6f1a93'
branch_labels = None
depends_on = None

TO_COME_BACK = "status IN ('owed', 'missing', 'shipped') AND verdict IS NULL"


def upgrade():
    op.create_index('ix_owed_parts_to_come_due', 'owed_parts', ['due_on', 'id'], unique=False,
                    sqlite_where=sa.text(TO_COME_BACK), postgresql_where=sa.text(TO_COME_BACK))


def downgrade():
    op.drop_index('ix_owed_parts_to_come_due', table_name='owed_parts',
                  sqlite_where=sa.text(TO_COME_BACK), postgresql_where=sa.text(TO_COME_BACK))
