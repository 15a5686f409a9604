"""The application factory: settings in, a Starlette application out.

Starlette rather than FastAPI: the pages are server-rendered HTML forms, so FastAPI's
request models and OpenAPI add nothing, and it brings no CSRF protection of its own either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from handover.clock import now_jst
from handover.config import Settings
from web.passkeys import PasskeyActs
from web.security import Guard
from web.sessions import DEFAULT_IDLE_MINUTES, Session, SessionStore

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")

# The page modules, each with a `routes` list. The passkey and sealing pages add theirs here.
PAGE_MODULES = ("web.routes.signin", "web.routes.dashboard", "web.routes.cases",
                "web.routes.handovers", "web.routes.scanning", "web.routes.registry",
                "web.routes.closeout", "web.routes.audit", "web.passkeys", "web.routes.sealing",
                "web.routes.lgwan", "web.routes.erasures", "web.routes.inspections", "web.routes.closing", "web.routes.storing", "web.routes.visits")


@dataclass
class WebContext:
    """What every page needs: the database, the log, the clock, this computer's host name,
    the sessions, and the label key the scanning station checks labels with."""
    settings: Settings
    engine: object
    sessions: SessionStore
    label_key: Path | None = None
    clock: Callable[[], dt.datetime] = now_jst
    host: str | None = None
    tls: bool = False
    extra: dict = field(default_factory=dict)

    def journal(self, session: Session | None = None):
        """A journal for one request; with a signed-in session, its person's signer on it.
        A fresh Journal per request: a signer never outlives its session in shared state."""
        from handover.model.journal import Journal, current_host
        j = Journal(self.engine, self.settings.log, self.settings.key_path, clock=self.clock,
                    host=self.host or current_host())
        if session is not None and session.signed_in:
            j.unlocked(session.signer)
        return j


@contextlib.asynccontextmanager
async def _lifespan(app):
    """At start: delete the packages a stopped server encrypted but never recorded."""
    from web.routes.sealing import sweep_unrecorded
    sweep_unrecorded(app.state.ctx)
    yield


def create_app(settings: Settings, *, allowed_hosts: tuple[str, ...] = (), tls: bool = False,
               idle_minutes: float = DEFAULT_IDLE_MINUTES, label_key: Path | None = None,
               clock: Callable[[], dt.datetime] | None = None, host: str | None = None,
               sessions: SessionStore | None = None) -> Starlette:
    """The web application over the database `settings` name (it must exist: `handover init`
    or the demo makes it). `allowed_hosts`: the names browsers use for this server, besides
    localhost and 127.0.0.1."""
    from handover.model.database import open_database
    ctx = WebContext(settings, open_database(settings.db_url),
                     sessions if sessions is not None else SessionStore(idle_minutes * 60), label_key,
                     clock or now_jst, host, tls)
    routes = [r for name in PAGE_MODULES for r in importlib.import_module(name).routes]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    app = Starlette(routes=routes, lifespan=_lifespan, middleware=[
        Middleware(TrustedHostMiddleware,
                   allowed_hosts=sorted(set(allowed_hosts) | set(LOOPBACK_NAMES))),
        Middleware(Guard, store=ctx.sessions, tls=tls),
        Middleware(PasskeyActs),
    ])
    app.state.ctx = ctx
    return app
