"""The composition root: assembles the node's web app from the rooms.

The only module (with the CLI, the shell pages and the demo tooling above it) that knows every
room. It includes the rooms' routers, hands the rooms' contributions to the kernel (template
helpers, the navigation, the case page's sections from other rooms) and wires the kernel's two
hooks (wire_rooms), so that the kernel and the web kit import no room."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from qorgau import __version__, config
from qorgau.analytics import routes as analytics_routes
from qorgau.audit import routes as audit_routes
from qorgau.audit import service as audit_service
from qorgau.audit import transparency
from qorgau.auth import grant_pages, grant_routes
from qorgau.auth import pages as auth_pages
from qorgau.auth import routes as auth_routes
from qorgau.backup import rewind
from qorgau.backup.schedule import scheduled as scheduled_backups
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work, write_engine
from qorgau.fund import routes as fund_routes
from qorgau.i18n import N_
from qorgau.nrm import labels as nrm_labels
from qorgau.nrm import pages as nrm_pages
from qorgau.nrm import routes as nrm_routes
from qorgau.nrm.pages import timeline as nrm_timeline
from qorgau.nrm.sections import CaseSection
from qorgau.permissions import Permission
from qorgau.screening import pages as screening_pages
from qorgau.screening import profiles
from qorgau.screening import routes as screening_routes
from qorgau.screening import service as screening_service
from qorgau.screening.ruleset import current_ruleset
from qorgau.shell import pages as shell_pages
from qorgau.web import deps as web_deps
from qorgau.web import errors
from qorgau.web.edge import BodyLimitMiddleware
from qorgau.web.render import NavEntry, make_templates
from qorgau.web.requestctx import RequestContextMiddleware

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
log = logging.getLogger("qorgau.web")

# The menu, in order; each entry is shown to whoever holds its permission.
NAVIGATION: list[NavEntry] = [
    (Permission.ACCOUNT_SELF, "/", N_("Home")),
    (Permission.CASE_READ, "/cases", N_("Cases")),
    (Permission.REFERRAL_MANAGE, "/referrals", N_("Referrals")),
    (Permission.DECISION_MAKE, "/decisions", N_("Decisions")),
    (Permission.SCREENING_RUN, "/screening/profiles", N_("Country law")),
    (Permission.AGENCY_READ, "/agencies", N_("Agencies")),
    (Permission.USER_ADMIN, "/admin/users", N_("Users")),
    (Permission.GRANT_APPROVE, "/admin/grants", N_("Approvals")),
    (Permission.ACCOUNT_SELF, "/account", N_("My account")),
]

# Template helpers the rooms offer every template.
TEMPLATE_GLOBALS = {"nrm_label": nrm_labels.nrm_label, "nrm_choices": nrm_labels.nrm_choices}

# What other rooms show on the NRM's case page, in order (nrm.pages.CaseSection).
CASE_SECTIONS: list[CaseSection] = [screening_pages.CASE_SECTION]


def _statutory_reflection_days(country: str) -> int | None:
    return profiles.statutory_reflection_days(profiles.profile_for(country))


def wire_rooms() -> None:
    """Hand the rooms' services to the kernel's hooks: the audit room writes the refusals the
    web kit keeps after a rollback; the screening room's country profiles say the reflection
    period a country's law sets. Idempotent; done when this module is imported, so every process
    that builds the app or runs the CLI has it."""
    web_deps.write_audit_notes_with(audit_service.record_refusal)
    config.statutory_reflection_from(_statutory_reflection_days)
    nrm_timeline.OUTCOME_LABEL[0] = screening_service.outcome_label


wire_rooms()


@asynccontextmanager
async def _periodic_work(app: FastAPI) -> AsyncIterator[None]:
    # A checkpoint of what the log holds at start, before the first request: without it a fresh
    # node answers 404 at /transparency/checkpoint until the first tick (no-op if one covers it).
    await _publish_checkpoint_once(app)
    await run_in_threadpool(_warn_if_behind, app)
    tasks = [
        asyncio.create_task(_publish_checkpoints(app)),
        asyncio.create_task(scheduled_backups(app.state.settings)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def _warn_if_behind(app: FastAPI) -> None:
    """A node restored from an older backup says so (backup.rewind), in the log and at /readyz."""
    with unit_of_work(app.state.sessionmaker) as db:
        app.state.audit_behind = rewind.behind_warning(db, app.state.settings.data_dir)
    if app.state.audit_behind:
        log.warning("audit log behind its published checkpoint: %s", app.state.audit_behind)


async def _publish_checkpoints(app: FastAPI) -> None:
    """Sign a checkpoint of the audit log every QORGAU_CHECKPOINT_SECONDS, so observers always
    have a recent one. A failure is logged and retried at the next tick; nothing is queued in
    memory, since each tick starts from what the database holds."""
    interval = app.state.settings.checkpoint_seconds
    if interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        await _publish_checkpoint_once(app)


async def _publish_checkpoint_once(app: FastAPI) -> None:
    try:
        await run_in_threadpool(_publish_checkpoint, app)
    except Exception:
        log.exception("could not publish an audit checkpoint; will retry")


def _publish_checkpoint(app: FastAPI) -> None:
    with unit_of_work(app.state.write_sessionmaker) as db:
        published = transparency.publish_checkpoint(db, app.state.settings)
    rewind.remember(app.state.settings.data_dir, published.tree_size, published.root_hash.hex())


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    background: bool = False,
) -> FastAPI:
    """Build the app. Tests pass their own session factory (bound to a connection whose
    transaction they roll back); everybody else gets one on the settings' database.
    `background` starts the node's periodic work (`qorgau serve` does; tests do not)."""
    settings = settings or Settings()
    logging.getLogger("qorgau").setLevel(settings.log_level)
    engine = engine or make_engine(settings.resolved_database_url)
    app = FastAPI(
        lifespan=_periodic_work if background else None,
        title="Qorgau API",
        version=__version__,
        description="National Referral Mechanism for victims of trafficking: the JSON API. "
        "Authenticate with `Authorization: Bearer <token>` (create one with `qorgau tokens create`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load scripts from a CDN; the OpenAPI document is enough
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = session_factory or make_sessionmaker(engine)
    # State-changing requests take the write lock at their start on SQLite (db.write_engine).
    app.state.write_sessionmaker = session_factory or make_sessionmaker(write_engine(engine))
    # SQLite runs in WAL mode, where reads never wait for writers (see auth.deps.principal_of).
    app.state.reads_never_wait = engine.dialect.name == "sqlite"
    app.state.templates = make_templates(TEMPLATE_GLOBALS)
    app.state.navigation = NAVIGATION
    app.state.case_sections = CASE_SECTIONS
    settings.secrets  # noqa: B018 - create the node's keys at start, not on the first request
    settings.keyring  # noqa: B018 - and the keyring of personal data
    # A bad ruleset or country profile stops the node here, with its message, not a screening.
    current_ruleset()
    profiles.bundled_profiles()

    errors.install(app)
    app.include_router(auth_routes.router)
    app.include_router(grant_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(fund_routes.router)
    app.include_router(analytics_routes.router)
    app.include_router(nrm_routes.router)
    app.include_router(screening_routes.router)
    app.include_router(fund_routes.public_router)
    app.include_router(fund_routes.page_router)
    app.include_router(shell_pages.router)
    app.include_router(auth_pages.router)
    app.include_router(grant_pages.router)
    app.include_router(nrm_pages.router)
    app.include_router(screening_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Outermost last: the request context sees the peer as connected (a trusted proxy may name
    # the request id), then the body limit, then a trusted proxy's X-Forwarded-For is applied.
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(
        RequestContextMiddleware,
        default_locale=settings.default_locale,
        trusted_proxies=settings.trusted_proxies,
    )
    return app
