"""sanbao_cases: the failed main part a quality-fault verdict names (recovered from its supplier)

Revision ID: b4e1d7a92c05
Revises: a43bf54855e9
Create Date: 2026-12-07 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b4e1d7a92c05'
down_revision = 'a43bf54855e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine_part_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sanbao_cases_machine_part_id'),
                              ['machine_part_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sanbao_cases_machine_part_id_parts'),
                                    'parts', ['machine_part_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sanbao_cases_machine_part_id_parts'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sanbao_cases_machine_part_id'))
        batch_op.drop_column('machine_part_id')
