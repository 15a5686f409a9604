"""Server-side sessions: a random ID in a cookie, everything else in this process's memory.

A signed-in person's unlocked credential (`KeySigner`, a private key) lives only here, in the
session: it is dropped on sign-out, after the idle timeout, and when the server restarts
(nothing is ever written to disk). Anonymous sessions exist too, so the sign-in form carries
a CSRF token; signing in replaces the session ID (no session fixation).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

COOKIE = "handover_session"
DEFAULT_IDLE_MINUTES = 15.0


@dataclass
class Session:
    id: str
    csrf: str
    last_seen: float
    person_id: str | None = None
    name: str = ""
    signer: object | None = field(default=None, repr=False)    # model.signatures.Signer
    # The scanning station's open sessions, by station ID (web/routes/scanning.py).
    stations: dict = field(default_factory=dict, repr=False)
    # Files offered once (a 確認書, a report): token -> (name, bytes, media type).
    downloads: dict = field(default_factory=dict, repr=False)
    expired: bool = False     # set on the fresh session that replaced one that timed out
    transient: bool = False   # for a request from another site: never stored, no cookie

    @property
    def signed_in(self) -> bool:
        return self.person_id is not None and self.signer is not None


class SessionStore:
    """Sessions by ID; `monotonic` is injectable so tests can let time pass."""

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_MINUTES * 60,
                 monotonic: Callable[[], float] = time.monotonic):
        self.idle_seconds = idle_seconds
        self.monotonic = monotonic
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> tuple[Session | None, bool]:
        """The live session of `session_id` (touched), and whether one expired instead."""
        if not session_id:
            return None, False
        now = self.monotonic()
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None, False
            if now - s.last_seen > self.idle_seconds:
                self._forget(s)
                return None, True
            s.last_seen = now
            return s, False

    def new(self) -> Session:
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.monotonic())
        with self._lock:
            self._sweep()
            self._sessions[s.id] = s
        return s

    def transient(self) -> Session:
        """A session for one request from another site (whose browser withheld our
        SameSite=Strict cookie): not kept, and no cookie is set, so a cross-site request can
        neither replace nor end the person's real session."""
        return Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.monotonic(),
                       transient=True)

    def sign_in(self, old: Session, person_id: str, name: str, signer) -> Session:
        """A new session (new ID and CSRF token) for the person; the old one is dropped."""
        s = self.new()
        s.person_id, s.name, s.signer = person_id, name, signer
        self.drop(old)
        return s

    def drop(self, s: Session) -> None:
        with self._lock:
            self._forget(s)

    def __len__(self) -> int:
        return len(self._sessions)

    def _forget(self, s: Session) -> None:
        s.signer = None           # the private key goes with the session
        s.stations.clear()
        s.downloads.clear()
        self._sessions.pop(s.id, None)

    def _sweep(self) -> None:
        now = self.monotonic()
        for s in [s for s in self._sessions.values() if now - s.last_seen > self.idle_seconds]:
            self._forget(s)
