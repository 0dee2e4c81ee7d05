"""The plan-against-reality page and its Excel export (exactly the rows shown)."""


import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog.models import Part, Season
from portal.core.converters import record_id
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.excel import Column, write_sheet
from portal.core.htmx import render
from portal.dealers.models import Dealer
from portal.dealers.scope import get_dealer, visible_dealer_ids, visible_dealers
from portal.extensions import db
from portal.planning.blueprint import bp
from portal.planning.reality import Reality, plan_vs_reality


def _started_seasons() -> list[Season]:
    return db.session.scalars(sa.select(Season).where(Season.start_on <= shanghai_today())
                              .order_by(Season.start_on.desc(), Season.id.desc())).all()


def _season(seasons: list[Season]) -> Season | None:
    """The season asked for (404 if unknown), else the latest started one needing plans."""
    season_id = request.args.get("season", type=record_id)
    if season_id:
        return db.session.get(Season, season_id) or abort(404)
    return next((s for s in seasons if s.plan_required), seasons[0] if seasons else None)


def _dealer_scope() -> tuple[Dealer | None, object]:
    """The dealer asked for (404 outside the user's dealers) and the dealer ids to show."""
    dealer_id = request.args.get("dealer", type=record_id)
    if current_user.role.is_dealer:
        dealer_id = dealer_id or current_user.dealer_id
    if dealer_id:
        dealer = get_dealer(dealer_id, current_user)
        return dealer, [dealer.id]
    return None, visible_dealer_ids(current_user)


def _part_ids(q: str):
    if not q:
        return None
    like = f"%{q}%"
    return sa.select(Part.id).where(sa.or_(Part.part_number.ilike(like), Part.name.ilike(like)))


def _asked() -> tuple[Season | None, list[Season], Dealer | None, str, Reality | None]:
    seasons = _started_seasons()
    season = _season(seasons)
    dealer, dealer_ids = _dealer_scope()
    q = request.args.get("q", "").strip()
    reality = plan_vs_reality(season, dealer_ids, part_ids=_part_ids(q)) if season else None
    return season, seasons, dealer, q, reality


@bp.route("/reality")
@signed_in
def reality():
    """Planned, bought and used parts per dealer for a season, shortages and overstock marked."""
    season, seasons, dealer, q, result = _asked()
    if season is not None and season not in seasons:
        seasons = [season, *seasons]
    dealers = None
    if not current_user.role.is_dealer:
        dealers = db.session.scalars(visible_dealers(current_user).order_by(Dealer.code)).all()
    return render("planning/reality.html", "planning/_reality_table.html", season=season,
                  seasons=seasons, dealer=dealer, dealers=dealers, q=q, reality=result)


def reality_sheet(reality: Reality) -> bytes:
    """The rows as shown: no plan leaves the planned cells empty and names it in the plan one."""
    columns = [Column("dealer_code", _("Dealer code"), width=12),
               Column("dealer_name", _("Dealer"), width=24),
               Column("plan", _("Plan"), width=12),
               Column("part_number", _("Part number"), width=18),
               Column("part_name", _("Part"), width=24),
               Column("planned", _("Planned"), width=10),
               Column("bought", _("Bought"), width=10),
               Column("used", _("Used in repairs"), width=10),
               Column("bought_gap", _("Bought − planned"), width=12),
               Column("used_gap", _("Used − bought"), width=12)]
    rows = []
    for group in reality.dealers:
        plan = group.plan_status.title if group.has_plan else _("No plan")
        rows += [[r.dealer.code, r.dealer.name, plan, r.part.part_number, r.part.name,
                  r.planned, r.bought, r.used, r.bought_gap, r.used_gap] for r in group.rows]
    return write_sheet(reality.season.name, columns, rows)


@bp.route("/reality.xlsx")
@signed_in
def reality_export():
    """The same rows as an Excel sheet."""
    season, _seasons, _dealer, _q, result = _asked()
    if season is None:
        abort(404)
    return download(reality_sheet(result), f"plan-reality-{season.start_on.isoformat()}.xlsx")
