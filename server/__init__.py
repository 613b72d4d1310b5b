"""Doorstep: after-sales field service. ``create_app`` builds the web application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session

from . import database  # (also registers the SQLite engine settings)
from .config import load_config
from .extensions import api, babel, csrf, db, limiter, login_manager, migrate

API_PREFIX = "/api/"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; ``test_config`` overrides the environment's configuration."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    from .parsing import install as install_request_parsing

    install_request_parsing(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    from .errors import register_errorhandlers

    register_errorhandlers(app)
    from . import security_headers

    security_headers.init_app(app)
    from .cli import register_commands

    register_commands(app)
    return app


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's choice, then the browser's."""
    from flask import current_app
    from flask_login import current_user

    languages = list(current_app.config["LANGUAGES"])
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    actor = g.get("actor") or (current_user if current_user.is_authenticated else None)
    if actor is not None and getattr(actor, "locale", None) in languages:
        return actor.locale
    from .settings.service import get as setting

    return request.accept_languages.best_match(languages) or setting("DOORSTEP_LOCALE")


def select_timezone() -> str:
    """The company's time zone, as set under /admin (else DOORSTEP_TIMEZONE)."""
    from .settings.service import get as setting

    return setting("DOORSTEP_TIMEZONE")


def register_extensions(app: Flask) -> None:
    import sync.positions  # noqa: F401  (stamps change-feed positions on every flush)

    from . import models  # noqa: F401  (the whole schema, for Alembic)
    from .messaging import hooks  # noqa: F401  (order events queue customer messages)
    from .followups import hooks as _followup_hooks  # noqa: F401  (signed → a follow-up)
    from .kpis import rollup as _kpi_rollup  # noqa: F401  (order changes → the KPI rollup)

    db.init_app(app)
    # Batch mode lets later migrations alter tables on SQLite too.
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    # One shared counter store for every rate limit (the customer page's, the sign-in
    # throttle's): Redis when configured, otherwise the application database, so every
    # web process and machine counts together (accounts/ratelimit_storage.py).
    app.config["RATELIMIT_STORAGE_URI"] = (app.config.get("RATELIMIT_STORAGE_URI")
                                           or app.config.get("REDIS_URL") or "doorstep-db://")
    from .accounts import ratelimit_storage  # noqa: F401  (registers doorstep-db://)

    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(app.root_path) / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}]})

    from .accounts.auth import load_console_user

    login_manager.user_loader(load_console_user)


def register_blueprints(app: Flask) -> None:
    from .accounts.routes import blp as accounts_blp
    from .admin.console import bp as admin_bp
    from .assets.routes import blp as assets_blp
    from .billing.console import bp as billing_console_bp
    from .billing.routes import blp as billing_blp
    from .checklists.console import bp as checklists_console_bp
    from .checklists.routes import blp as checklists_blp
    from .complaints.console import bp as complaints_console_bp
    from .complaints.routes import blp as complaints_blp
    from .console.routes import bp as console_bp
    from .followups.console import bp as followups_console_bp
    from .followups.routes import blp as followups_blp
    from .plans.console import bp as plans_console_bp
    from .plans.routes import blp as plans_blp
    from .kpis.console import bp as kpis_console_bp
    from .customers.routes import blp as customers_blp
    from .incidents.console import bp as incidents_console_bp
    from .incidents.routes import blp as incidents_blp
    from .inventory.routes import blp as parts_blp
    from .knowledge.console import bp as knowledge_console_bp
    from .knowledge.routes import blp as articles_blp
    from .kpis.routes import blp as kpis_blp
    from .inventory.stock_routes import blp as stock_blp
    from .media.routes import blp as blobs_blp
    from .messaging.console import bp as messaging_console_bp
    from .messaging.routes import blp as messages_blp
    from .portal.routes import bp as portal_bp
    from .pwa_host.routes import bp as pwa_bp
    from .qc.console import bp as qc_console_bp
    from .qc.routes import blp as qc_blp
    from .reports.pages import bp as reports_public_bp
    from .reports.routes import blp as reports_blp
    from .returns.console import bp as returns_console_bp
    from .returns.routes import blp as returns_blp
    from .sync_api.routes import blp as sync_blp
    from .warranty.console import bp as warranty_console_bp
    from .warranty.routes import blp as warranty_blp
    from .workorders.routes import blp as workorders_blp

    for blp in (accounts_blp, workorders_blp, customers_blp, assets_blp, parts_blp, sync_blp,
                blobs_blp, reports_blp, messages_blp, incidents_blp, articles_blp,
                stock_blp, complaints_blp, followups_blp, plans_blp, checklists_blp,
                kpis_blp, qc_blp, billing_blp, warranty_blp, returns_blp):
        # The API authenticates with bearer tokens, which a cross-site page cannot send.
        csrf.exempt(blp)
        api.register_blueprint(blp)
    app.register_blueprint(console_bp)
    app.register_blueprint(admin_bp)
    from .inventory.console import bp as stock_console_bp

    app.register_blueprint(stock_console_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(reports_public_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(messaging_console_bp)
    app.register_blueprint(incidents_console_bp)
    app.register_blueprint(knowledge_console_bp)
    app.register_blueprint(complaints_console_bp)
    app.register_blueprint(followups_console_bp)
    app.register_blueprint(kpis_console_bp)
    app.register_blueprint(plans_console_bp)
    app.register_blueprint(billing_console_bp)
    app.register_blueprint(checklists_console_bp)
    app.register_blueprint(qc_console_bp)
    app.register_blueprint(warranty_console_bp)
    app.register_blueprint(returns_console_bp)
    from .returns.portal import bp as returns_portal_bp

    app.register_blueprint(returns_portal_bp)


def _authorise_before_parsing() -> None:
    """Apply the view's ``@api_roles`` check before its body or query is validated.

    An anonymous caller gets 401 and a caller in the wrong role 403, never field-level
    422s that describe the endpoint's input. The view's own check still runs after.
    """
    from .accounts.auth import api_roles

    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    roles = getattr(method, "_doorstep_roles", None)
    if roles is not None:
        api_roles(*roles)(lambda: None)()


def register_request_hooks(app: Flask) -> None:
    """One commit per request: services flush, the request commits if it succeeded."""
    from .accounts.auth import load_api_actor

    @app.before_request
    def _authenticate_api():
        if request.path.startswith(API_PREFIX):
            read_ahead = None
            if request.endpoint == "sync.Push":  # it writes: on SQLite it lets this
                database.yield_to_writer(db.engine)  # process's writer finish first
                from .sync_api.service import read_before_push as read_ahead
            load_api_actor(read_ahead)
            _authorise_before_parsing()

    @app.after_request
    def _commit(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _forget_arrival(_error):
        database.forget_arrival()
