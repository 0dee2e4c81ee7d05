"""return-visit tallies per day (and dealer), backfilled; claims (dealer_id, completed_on)

Revision ID: 7d3b5e9a1c42
Revises: 2f6a91c3d7e5
Create Date: 2026-11-24 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7d3b5e9a1c42'
down_revision = '2f6a91c3d7e5'
branch_labels = None
depends_on = None

FIGURES = ['repairs', 'reached', 'not_reached', 'rated', 'satisfaction_sum', 'satisfied']

# The figures of the counted repairs (neither draft nor rejected), as visit_tallies counts them.
COUNTED = """
    SELECT c.completed_on, c.dealer_id, count(c.id),
           count(CASE WHEN v.status = 'done' AND v.reached THEN 1 END),
           count(CASE WHEN v.status = 'done' AND NOT v.reached THEN 1 END),
           count(v.satisfaction), coalesce(sum(v.satisfaction), 0),
           count(CASE WHEN v.satisfaction >= 4 THEN 1 END)
    FROM claims c LEFT OUTER JOIN return_visits v ON v.claim_id = c.id
    WHERE c.completed_on IS NOT NULL AND c.status NOT IN ('draft', 'rejected')
    GROUP BY c.completed_on, c.dealer_id
"""


def _figures():
    return [sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES]


def upgrade():
    op.create_index('ix_claims_dealer_completed', 'claims', ['dealer_id', 'completed_on'],
                    unique=False)
    op.create_table(
        'visit_tallies',
        sa.Column('dealer_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'],
                                name=op.f('fk_visit_tallies_dealer_id_dealers')),
        sa.PrimaryKeyConstraint('day', 'dealer_id', name=op.f('pk_visit_tallies')))
    op.create_index('ix_visit_tallies_dealer', 'visit_tallies', ['dealer_id', 'day'],
                    unique=False)
    op.create_table(
        'visit_day_tallies',
        sa.Column('day', sa.Date(), nullable=False),
        *_figures(),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_visit_day_tallies')))
    columns = ', '.join(FIGURES)
    op.execute(f"INSERT INTO visit_tallies (day, dealer_id, {columns}) {COUNTED}")
    op.execute(f"INSERT INTO visit_day_tallies (day, {columns}) SELECT day, "
               + ', '.join(f'sum({name})' for name in FIGURES)
               + " FROM visit_tallies GROUP BY day")
    if op.get_bind().dialect.name == 'sqlite':
        # Statistics for the planner: without them SQLite prefers this index to the
        # (dealer_id, id) one for a dealer's newest claims, and sorts them all.
        op.execute('ANALYZE ix_claims_dealer_completed')
        op.execute('ANALYZE ix_visit_tallies_dealer')


def downgrade():
    op.drop_table('visit_day_tallies')
    op.drop_index('ix_visit_tallies_dealer', table_name='visit_tallies')
    op.drop_table('visit_tallies')
    op.drop_index('ix_claims_dealer_completed', table_name='claims')
