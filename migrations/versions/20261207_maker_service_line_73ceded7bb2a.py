"""the maker's service line: a policy setting printed on the buyer's 三包凭证

Revision ID: 73ceded7bb2a
Revises: 8b2d4f6a0c31
Create Date: 2026-12-07 05:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '73ceded7bb2a'
down_revision = '8b2d4f6a0c31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maker_service_line', sa.String(length=32), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.drop_column('maker_service_line')
