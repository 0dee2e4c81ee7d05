"""scheduled_runs: the period each periodic job was claimed for (once however many consumers)

Revision ID: 7b3e9d2c4a61
Revises: 4c7e2a9d1b36
Create Date: 2026-12-07 14:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7b3e9d2c4a61'
down_revision = '4c7e2a9d1b36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduled_runs',
        sa.Column('job', sa.String(length=60), nullable=False),
        sa.Column('period', sa.String(length=30), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('job', 'period', name=op.f('pk_scheduled_runs')),
    )


def downgrade():
    op.drop_table('scheduled_runs')
