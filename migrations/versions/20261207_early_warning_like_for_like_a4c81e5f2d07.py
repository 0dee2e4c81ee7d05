"""early warning like for like (issue 21): the policy's false alert rate replaces the per-pair
significance level; runs keep their rate, least failures and p cut-off and count the alerts
they close; an alert keeps its figures by age band, the run that last checked it and why the
check closed it; the last check's figures per pair gain expected failures and p

The rate is 0.05 where the old default level 0.01 was kept, else the administrator's own number
(at most 0.2, the form's new limit). The last check's figures are emptied: the old method's
counts do not fit the new one, and the next check (or an alert's page, counting its part) fills
them again. Open alerts are left as they are: the next check closes those nobody has
acknowledged whose batch no longer stands out, saying why.

Revision ID: a4c81e5f2d07
Revises: 5a2d9e7c1f43
Create Date: 2026-12-07 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a4c81e5f2d07'
down_revision = '5a2d9e7c1f43'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_false_rate', sa.Numeric(precision=6, scale=5),
                                      nullable=False, server_default='0.05'))
    op.execute("UPDATE policy_settings SET alert_false_rate = CASE"
               " WHEN alert_significance = 0.01 THEN 0.05"
               " WHEN alert_significance > 0.2 THEN 0.2"
               " ELSE alert_significance END")
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.drop_column('alert_significance')

    with op.batch_alter_table('alert_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerts_closed', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('false_alert_rate', sa.Numeric(precision=6, scale=5),
                                      nullable=True))
        batch_op.add_column(sa.Column('min_failures', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('p_cutoff', sa.Numeric(precision=16, scale=12),
                                      nullable=True))

    with op.batch_alter_table('batch_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bands', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('checked_run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.Enum(
            'no_longer_stands_out', name='closereason', native_enum=False,
            create_constraint=False, length=30), nullable=True))
        batch_op.create_index(batch_op.f('ix_batch_alerts_checked_run_id'), ['checked_run_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_batch_alerts_checked_run_id_alert_runs'),
                                    'alert_runs', ['checked_run_id'], ['id'])

    op.execute("DELETE FROM batch_exposures")
    with op.batch_alter_table('batch_exposures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected', sa.Numeric(precision=12, scale=4),
                                      nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('p_value', sa.Numeric(precision=16, scale=12),
                                      nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('batch_exposures', schema=None) as batch_op:
        batch_op.drop_column('p_value')
        batch_op.drop_column('expected')

    with op.batch_alter_table('batch_alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_batch_alerts_checked_run_id_alert_runs'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_batch_alerts_checked_run_id'))
        batch_op.drop_column('close_reason')
        batch_op.drop_column('checked_run_id')
        batch_op.drop_column('bands')

    with op.batch_alter_table('alert_runs', schema=None) as batch_op:
        batch_op.drop_column('p_cutoff')
        batch_op.drop_column('min_failures')
        batch_op.drop_column('false_alert_rate')
        batch_op.drop_column('alerts_closed')

    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_significance', sa.Numeric(precision=6, scale=5),
                                      nullable=False, server_default='0.01'))
    op.execute("UPDATE policy_settings SET alert_significance = CASE"
               " WHEN alert_false_rate = 0.05 THEN 0.01 ELSE alert_false_rate END")
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.drop_column('alert_false_rate')
