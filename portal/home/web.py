"""Per-request plumbing: session lifetime, forced password change, template context."""

from flask import abort, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.core.db import begin_writing
from portal.core.permissions import PREDICATES
from portal.extensions import db

# Endpoints that never use the session: a load balancer's probe gets no cookie.
SESSIONLESS = {"core.healthz", "core.favicon"}

# Endpoints a user who must change their password can still reach.
PASSWORD_EXEMPT = {"accounts.change_password", "accounts.logout", "core.set_language", "static"}

# The menu: (endpoint, label key, role-only predicate naming who sees the entry, or None when
# the entry is shown to whoever its route's predicate lets in). The predicates are the
# domains' own ``can_*`` (Jinja globals, looked up by name).
NAV = [
    ("home.index", "home", None),
    ("reports.dashboard", "dashboard", "can_read_reports"),
    ("dealers.index", "dealers", None),
    ("units.index", "units", None),
    ("claims.index", "claims", None),
    ("service.index", "service", None),
    ("catalog.models", "models", None),
    ("catalog.parts", "parts", None),
    ("catalog.fault_codes", "fault_codes", None),
    ("catalog.policy", "policy", None),
    ("returns.owed", "returns", None),
    ("deliveries.index", "deliveries", None),
    ("followup.visits", "visits", "can_follow_visits"),
    ("followup.complaints", "complaints", None),
    ("quality.alerts", "alerts", "can_read_alerts"),
    ("followup.flags", "flags", None),
    ("returns.incoming", "receiving", None),
    ("returns.verdict_queue", "verdicts", None),  # the technical department's old parts
    ("planning.index", "plans", None),
    ("stock.index", "stock_returns", None),
    ("cases.index", "cases", None),
    ("finance.claims", "finance_claims", None),
    ("finance.ledger", "ledger", None),
    ("finance.reports", "cost_reports", None),
    ("finance.notices", "notices", None),
    ("finance.generate", "generate_notices", None),
    ("reports.weekly_index", "weekly_reports", "can_read_reports"),
    ("analytics.scorecards_index", "scorecards", None),
    ("analytics.failures", "analytics", "can_analyse_failures"),
    ("accounts.users", "users", None),
    ("core.audit_log", "audit", None),
]

NAV_LABELS = {
    "home": _l("My work"), "dealers": _l("Dealers"), "units": _l("Units"),
    "claims": _l("Claims"), "models": _l("Models"), "parts": _l("Parts"),
    "fault_codes": _l("Labour"), "policy": _l("Policy"), "users": _l("Users"),
    "audit": _l("Audit trail"), "visits": _l("Return visits"), "complaints": _l("Complaints"),
    "flags": _l("Entitlements"), "service": _l("Service register"),
    "alerts": _l("Batch alerts"), "receiving": _l("Old parts in"), "returns": _l("Old parts"),
    "finance_claims": _l("Cost audit"), "notices": _l("Write-off notices"),
    "ledger": _l("Receivables"), "cost_reports": _l("Warranty cost"),
    "generate_notices": _l("Generate notices"), "plans": _l("Stocking plans"),
    "stock_returns": _l("Stock returns"), "deliveries": _l("Delivery notes"),
    "dashboard": _l("Dashboard"), "weekly_reports": _l("Weekly reports"),
    "scorecards": _l("Dealer scorecards"), "analytics": _l("Failure analytics"),
    "cases": _l("Exchanges and refunds"), "verdicts": _l("Old parts to judge"),
}


# Which menu entry a page belongs to: by endpoint, else by blueprint.
SECTIONS = {
    "catalog.models": "models", "catalog.model_detail": "models", "catalog.edit_model": "models",
    "catalog.parts": "parts", "catalog.part_detail": "parts", "catalog.edit_part": "parts",
    "catalog.fault_codes": "fault_codes", "catalog.edit_fault_code": "fault_codes",
    "catalog.labour_rates": "fault_codes", "catalog.edit_labour_rates": "fault_codes",
    "catalog.travel_bands": "fault_codes", "catalog.edit_travel_band": "fault_codes",
    "accounts.users": "users", "accounts.new_user": "users", "accounts.user_detail": "users",
    "accounts.edit_user": "users", "core.audit_log": "audit",
    "followup.visits": "visits", "followup.visit": "visits", "followup.call": "visits",
    "followup.flags": "flags", "followup.resolve_flag": "flags",
    "returns.incoming": "receiving", "returns.receive": "receiving",
    "finance.claims": "finance_claims", "finance.forward": "claims",
    "finance.send_to_technical": "claims", "finance.audit": "claims", "finance.reopen": "claims",
    "finance.ledger": "ledger", "finance.ledger_detail": "ledger", "finance.statement": "ledger",
    "finance.ledger_import_sheet": "ledger", "finance.ledger_import_confirm": "ledger",
    "finance.reports": "cost_reports",
    "finance.notices": "notices", "finance.notice": "notices",
    "finance.confirm_notice": "notices", "finance.dispute_notice": "notices",
    "finance.void_notice": "notices", "finance.reissue_notice": "notices",
}
BLUEPRINT_SECTIONS = {"home": "home", "dealers": "dealers", "units": "units", "claims": "claims",
                      "catalog": "policy", "followup": "complaints", "service": "service",
                      "returns": "returns", "planning": "plans", "stock": "stock_returns"}
SECTIONS.update({"finance.generate": "generate_notices", "finance.run": "generate_notices"})
BLUEPRINT_SECTIONS["deliveries"] = "deliveries"
BLUEPRINT_SECTIONS["cases"] = "cases"
SECTIONS["returns.verdict_queue"] = "verdicts"
SECTIONS.update({"reports.dashboard": "dashboard", "reports.weekly_index": "weekly_reports",
                 "reports.generate_weekly": "weekly_reports",
                 "reports.weekly_report": "weekly_reports"})
SECTIONS.update({"analytics.scorecards_index": "scorecards", "analytics.scorecard": "scorecards",
                 "analytics.record_review": "scorecards", "analytics.grade_reviews": "scorecards"})
BLUEPRINT_SECTIONS["quality"] = "alerts"
SECTIONS.update({"analytics.failures": "analytics", "analytics.failure_claims": "analytics"})


def current_section() -> str | None:
    endpoint = request.endpoint or ""
    if endpoint in ("catalog.export", "catalog.import_sheet"):
        return (request.view_args or {}).get("what")
    return SECTIONS.get(endpoint) or BLUEPRINT_SECTIONS.get(request.blueprint or "")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters():
    """No text field can hold a NUL (PostgreSQL refuses it): reject such input up front."""
    sources = [request.path, list(request.args.lists()), list(request.form.lists())]
    if request.is_json:
        sources.append(request.get_json(silent=True))
    if any(_has_nul(v) for v in sources):
        abort(400, description="NUL characters are not allowed in the input.")


def _nav_urls() -> dict[str, str]:
    """The menu's addresses: fixed for an application mounted at one path, so built once."""
    cache = current_app.extensions.setdefault("portal_nav_urls", {})
    urls = cache.get(request.script_root)
    if urls is None:
        urls = cache[request.script_root] = {e: url_for(e) for e, _key, _can in NAV}
    return urls


def fixed_urls():
    """The layout's ``fixed_url(endpoint, **values)``: ``url_for`` for an address that depends
    on nothing of the request but the path the application is mounted at (the stylesheet, the
    scripts, the fixed links), built once (a cache per application made), not on every page:
    werkzeug builds one in about 4 µs and 17 calls, and the layout has nine."""
    built: dict = {}

    def fixed_url(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or not has_request_context():  # the blueprint's; no request
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *values.items())
        url = built.get(key)
        if url is None:
            url = built[key] = url_for(endpoint, **values)
        return url

    return fixed_url


def _nav_predicate(endpoint: str, can: str | None):
    """Who sees a menu entry: the predicate it names, else the one its route asks."""
    if can is None:
        return current_app.view_functions[endpoint].predicate
    return current_app.extensions[PREDICATES][can]


def menu(user) -> list[str]:
    """The endpoints of the menu entries ``user`` sees, in the menu's order."""
    return [e for e, _key, can in NAV if _nav_predicate(e, can)(user)]


def _nav_html(user, section, locale: str) -> Markup:
    """The menu's links for a user, in the current language, the current section marked. Its
    predicates are role-only, so every request with the same role and these three keys gets
    the same menu: each combination is built once."""
    key = (request.script_root, user.role, locale, section)
    cache = current_app.extensions.setdefault("portal_nav_html", {})
    html = cache.get(key)
    if html is None:
        urls, shown = _nav_urls(), set(menu(user))
        template = current_app.jinja_env.get_template("core/_nav_links.html")  # no context
        html = cache[key] = Markup(template.render(links=[
            (urls[e], k == section, str(NAV_LABELS[k])) for e, k, _can in NAV if e in shown]))
    return html


def begin_writes() -> None:
    """A request that may write starts its transaction as a writer (see ``begin_writing``)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        begin_writing(db.session())


def query_args(*named_in_the_path) -> dict:
    """The request's query string to carry into a link, less the arguments the link's route
    names itself (a ``?dealer_id=`` would give ``url_for`` that argument twice)."""
    return {k: v for k, v in request.args.items() if k not in named_in_the_path}


def register_request_hooks(app):
    app.before_request(refuse_nul_characters)
    app.before_request(begin_writes)  # before any hook reads: the user's sign-in is a read
    app.jinja_env.globals["query_args"] = query_args
    app.jinja_env.globals["fixed_url"] = fixed_urls()  # one cache per application

    @app.before_request
    def keep_session_fresh():
        if request.endpoint in SESSIONLESS:
            return None
        session.permanent = True
        user = current_user._get_current_object()  # loads the user: read once, not per attribute
        if (
            user.is_authenticated
            and user.must_change_password
            and request.endpoint not in PASSWORD_EXEMPT
            and request.blueprint != "api"
        ):
            target = url_for("accounts.change_password")
            if request.htmx:
                return "", 204, {"HX-Redirect": target}
            return redirect(target)
        return None

    @app.context_processor
    def inject():
        if not has_request_context():  # a document rendered by a background run or a command
            return {"locale": str(get_locale())}
        section, locale = current_section(), str(get_locale())
        user = current_user._get_current_object()  # the object, not the proxy, read below
        nav = _nav_html(user, section, locale) if user.is_authenticated else ""
        return {"nav": nav, "section": section, "locale": locale}
