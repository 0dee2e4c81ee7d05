"""the legal-minimum table as the 2010 regulation lists it (seed data, editable)

《农业机械产品修理、更换、退货责任规定》(2010) 第二十四条 and its 附件1 name the minimum periods
of internal-combustion engines (diesel multi- and single-cylinder, petrol two- and
four-stroke), tractors (above and up to 18 kW), combine harvesters and rice transplanters; every
other machine has at least one year for the whole machine and for the main parts or systems the
maker names. The 2026-11 table had the multi-cylinder diesel, the tractors and the combine;
this adds the other rows and the one-year main-part floor of "other machines". An
administrator's later edit of a row is kept: only missing rows are added, and the "other" row
only where it still has no main-part minimum.

Revision ID: 41210f8535c1
Revises: 73ceded7bb2a
Create Date: 2026-12-07 05:21:00
"""
import sqlalchemy as sa
from alembic import op

revision = '41210f8535c1'
down_revision = '73ceded7bb2a'
branch_labels = None
depends_on = None

ENGINE_MAIN = "机体、气缸盖、飞轮"
TRANSPLANTER_MAIN = "由生产者在三包凭证上明示（不少于一年）"
# category: (whole machine months, main parts months, main parts named)
ADDED = {
    'diesel_single': (9, 18, ENGINE_MAIN),
    'petrol_two_stroke': (3, 6, ENGINE_MAIN),
    'petrol_four_stroke': (6, 12, ENGINE_MAIN),
    # 第二十四条 lists the rice transplanter in 附件1; the one-year floor it sets for every
    # machine is entered for both periods, the least the text allows.
    'rice_transplanter': (12, 12, TRANSPLANTER_MAIN),
}
LEGAL = sa.table('legal_minimums', sa.column('category', sa.String),
                 sa.column('whole_months', sa.Integer), sa.column('main_parts_months', sa.Integer),
                 sa.column('main_parts_named', sa.Text))


def upgrade():
    bind = op.get_bind()
    present = set(bind.scalars(sa.select(LEGAL.c.category)))
    op.bulk_insert(LEGAL, [
        {'category': category, 'whole_months': whole, 'main_parts_months': main,
         'main_parts_named': named}
        for category, (whole, main, named) in ADDED.items() if category not in present])
    op.execute(LEGAL.update().where(LEGAL.c.category == 'other',
                                    LEGAL.c.main_parts_months.is_(None))
               .values(main_parts_months=12,
                       main_parts_named="由生产者在三包凭证上明示（不少于一年）"))


def downgrade():
    op.execute(LEGAL.delete().where(LEGAL.c.category.in_(list(ADDED))))
    op.execute(LEGAL.update().where(LEGAL.c.category == 'other')
               .values(main_parts_months=None, main_parts_named="按产品说明书规定"))
