"""Sanbao Portal (三包服务门户): the application factory."""

import os
from pathlib import Path

from flask import Flask, session
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config
from portal.extensions import babel, csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the portal."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(load_config(app.instance_path, test_config))
    from portal.core.sessions import SessionInterface

    app.session_interface = SessionInterface()
    from portal.core.logs import configure_logging

    configure_logging(app)  # first, so the request id exists before any other hook runs
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # "/api/v1/dealers//0" is a 404, not a redirect that API clients would not expect.
    app.url_map.merge_slashes = False
    from portal.core.converters import register_converters

    register_converters(app)  # before the blueprints, whose rules name ``<id:…>``
    _init_extensions(app)
    from portal.core.bodies import limit_bodies

    limit_bodies(app)
    _register_blueprints(app)
    _register_cli(app)
    from portal.core.errors import register_error_handlers
    from portal.core.security import register_security_headers
    from portal.core.timefmt import register_filters
    from portal.home import labels
    from portal.home.web import register_request_hooks

    register_error_handlers(app)
    register_filters(app)
    labels.register(app)
    register_request_hooks(app)
    register_security_headers(app)
    _expose_predicates(app)
    return app


def _expose_predicates(app: Flask) -> None:
    """Every domain's ``can_*`` predicates, for the templates to show only what a user may do."""
    from portal.accounts import access as accounts
    from portal.analytics import access as analytics
    from portal.cases import access as cases
    from portal.catalog import access as catalog
    from portal.claims import access as claims
    from portal.core.permissions import expose_predicates
    from portal.dealers import access as dealers
    from portal.deliveries import access as deliveries
    from portal.finance import access as finance
    from portal.home import access as home
    from portal.planning import access as planning
    from portal.quality import access as quality
    from portal.reports import access as reports
    from portal.returns import access as returns
    from portal.service import access as service
    from portal.stock import access as stock
    from portal.units import access as units

    expose_predicates(app, accounts, analytics, cases, catalog, claims, dealers, deliveries,
                      finance, home, planning, quality, reports, returns, service, stock, units)


def _select_locale():
    from flask import current_app, has_request_context, request

    from portal.core.i18n import parsed_locale

    if has_request_context() and request.blueprint == "api":
        return parsed_locale("en")  # machines read the API's messages
    lang = session.get("lang") if has_request_context() else None
    return parsed_locale(lang if lang in current_app.config["LANGUAGES"] else current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ])


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(ROOT / "portal" / "translations"))
    from portal.core import i18n

    i18n.init_app(app)  # after htmx: its request class is extended
    from portal.core import jobs

    jobs.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from portal.accounts.services import load_user_from_session
    from portal.core.permissions import unauthorized_response

    login_manager.user_loader(load_user_from_session)
    login_manager.unauthorized_handler(unauthorized_response)
    # Every model module must be imported so Alembic sees the whole schema.
    import portal.models  # noqa: F401

    # Every task module, so a consumer knows every task a web worker may enqueue.
    from portal.accounts import tasks as _accounts  # noqa: F401
    from portal.analytics import tasks as _analytics  # noqa: F401
    from portal.claims import tasks as _claims  # noqa: F401
    from portal.finance import tasks as _finance  # noqa: F401
    from portal.quality import tasks as _quality  # noqa: F401
    from portal.reports import tasks as _reports  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.analytics import (
        dashboard_views,  # noqa: F401  (routes on reports.bp)
        failure_views,  # noqa: F401  (routes on analytics.bp)
        plan_views,  # noqa: F401  (routes on planning.bp)
        scorecard_views,  # noqa: F401
    )
    from portal.analytics.blueprint import bp as analytics_bp
    from portal.api import (  # noqa: F401  (on api.bp)
        cases,
        claims,
        ledger,
        notices,
        openapi,
        plans,
        resources,
        returns,
    )
    from portal.api.views import bp as api_bp
    from portal.cases import (
        finance_views,  # noqa: F401  (routes on finance.bp)
        recovery_views,  # noqa: F401  (routes on returns.bp)
    )
    from portal.cases.views import bp as cases_bp
    from portal.catalog import (  # noqa: F401  (routes on catalog.bp)
        discount_views,
        policy_views,
        rule_views,
    )
    from portal.catalog.views import bp as catalog_bp
    from portal.claims.views import bp as claims_bp
    from portal.dealers import user_views  # noqa: F401  (routes on accounts.bp)
    from portal.dealers.views import bp as dealers_bp
    from portal.deliveries.views import bp as deliveries_bp
    from portal.finance import (  # noqa: F401  (routes on finance.bp)
        audit_views,
        ledger_views,
        notice_views,
        report_views,
        run_views,
    )
    from portal.finance.views import bp as finance_bp
    from portal.home import (
        dealer_views,  # noqa: F401  (routes on dealers.bp)
        unit_views,  # noqa: F401  (routes on units.bp)
    )
    from portal.home.core_views import bp as core_bp
    from portal.home.views import bp as home_bp
    from portal.planning import (  # noqa: F401  (routes on planning.bp)
        delivery_views,  # noqa: F401  (routes on deliveries.bp)
        reality_views,
        views,
    )
    from portal.planning.blueprint import bp as planning_bp
    from portal.quality.views import bp as quality_bp
    from portal.reports.views import bp as reports_bp
    from portal.returns import (  # noqa: F401  (routes on returns.bp)
        receipt_views,
        shipment_views,
        store_views,
        verdict_views,
    )
    from portal.returns.views import bp as returns_bp
    from portal.service import complaint_views, flag_views  # noqa: F401  (on followup.bp)
    from portal.service.followup_views import bp as followup_bp
    from portal.service.views import bp as service_bp
    from portal.stock import unit_list  # noqa: F401  (routes on units.bp)
    from portal.stock.views import bp as stock_bp
    from portal.units import (
        card_views,  # noqa: F401  (routes on units.bp)
        holiday_views,  # noqa: F401  (routes on catalog.bp)
    )
    from portal.units.views import bp as units_bp
    from portal.workflow import claim_views  # noqa: F401  (routes on claims.bp)

    for bp in (home_bp, accounts_bp, dealers_bp, units_bp, claims_bp, service_bp, catalog_bp,
               core_bp, api_bp, followup_bp, returns_bp, finance_bp, planning_bp,
               analytics_bp, quality_bp,
               stock_bp):
        app.register_blueprint(bp)
    app.register_blueprint(deliveries_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(cases_bp)
    csrf.exempt(api_bp)


def _register_cli(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.analytics.cli import analytics_cli
    from portal.claims.cli import entitlements_cli
    from portal.core.backup import backup_cli
    from portal.core.jobs import jobs_cli
    from portal.dealers import cli as dealer_cli  # noqa: F401  (`flask users create`)
    from portal.demo.cli import seed_demo
    from portal.finance.cli import notices_cli
    from portal.planning.cli import plans_cli
    from portal.quality.cli import alerts_cli
    from portal.reports.cli import reports_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(notices_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(analytics_cli)
    app.cli.add_command(entitlements_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(plans_cli)
