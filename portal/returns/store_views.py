"""The old-part stores (reusable, scrap, back to the supplier). Supplier recovery, which also
reads cases, is registered on this blueprint from ``portal/cases/recovery_views.py``."""


from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.actions import errors_of, form_action
from portal.core.db import shanghai_today
from portal.core.forms import options
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.extensions import db
from portal.returns import access
from portal.returns.models import Destination, StoreItem, StoreState
from portal.returns.stores import MOVES, move_item, store_items
from portal.returns.verdict_forms import StoreMoveForm
from portal.returns.views import bp

store_readers = requires(access.can_read_stores)


def _store_arg(store: str) -> Destination:
    if store not in Destination.__members__.values():
        abort(404)
    return Destination(store)


def _state_arg() -> tuple[str, StoreState | None]:
    wanted = request.args.get("state", StoreState.IN_STORE.value)
    if wanted == "all":
        return wanted, None
    if wanted not in StoreState.__members__.values():
        wanted = StoreState.IN_STORE.value
    return wanted, StoreState(wanted)


def _store_page(store: Destination, status: int = 200, errors: dict | None = None):
    wanted, state = _state_arg()
    page = request_page(store_items(store, state), StoreItem.entered_on, StoreItem.id)
    return render("returns/store.html", "returns/_store_rows.html", status=status, page=page,
                  store=store, wanted=wanted, states=StoreState, stores=Destination,
                  moves=MOVES, keeping=access.can_keep_stores(current_user),
                  errors=errors or {})


@bp.route("/stores/<store>")
@store_readers
def store(store):
    """What a store holds (in store by default): part, claim, unit, date in, verdict, cause."""
    return _store_page(_store_arg(store))


@bp.route("/stores/items/<id:item_id>/move", methods=["POST"])
@requires(access.can_keep_stores)
def store_move(item_id):
    """Record that a part left its store: reused, scrapped or dispatched to its supplier."""
    item = db.get_or_404(StoreItem, item_id)
    form = StoreMoveForm()
    form.to.choices = options((s.value, s.title) for s in MOVES[item.store])

    def action():
        move_item(item, StoreState(form.to.data), form.note.data or "",
                  actor=current_user, today=shanghai_today(), version=form.seen_version)

    return form_action(form, action, success=lambda _r: _(
        "%(part)s: %(state)s.", part=item.owed_part.part.part_number, state=item.state.title),
        done=lambda _r: url_for("returns.store", store=item.store.value),
        # the store's list, the messages by the item's row
        again=lambda form: _store_page(item.store, errors={
            item.id: " ".join(map(str, errors_of(form)))}))
