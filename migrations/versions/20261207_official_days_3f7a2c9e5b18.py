"""official holidays and adjusted working days entered by the administrator (official_days)

The calendar library knows China's rest days only up to the year it was released for; the
administrator enters a later year's (or corrects one) from the State Council's notice.

Revision ID: 3f7a2c9e5b18
Revises: e7d3a1c95b20
Create Date: 2026-12-07 05:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3f7a2c9e5b18'
down_revision = 'e7d3a1c95b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'official_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.Enum('holiday', 'working', name='daykind', native_enum=False,
                                  length=20), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_official_days_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_official_days')),
        sa.UniqueConstraint('day', name=op.f('uq_official_days_day')))


def downgrade():
    op.drop_table('official_days')
