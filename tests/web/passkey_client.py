"""A passkey session without a browser: a TestClient on http://localhost (a secure context, the
RP ID a passkey can be enrolled under) and a software authenticator (tests/handover/support.py
SoftPasskey) answering the server's JSON steps exactly as web/static/js/webauthn.js does:
sign-in, and a page's form taken as a two-phase act through PasskeyActs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.testclient import TestClient

from crypto.personal_keys import b64
from tests.handover.support import SoftPasskey, enrol_passkey

BASE = "http://localhost"


def passkey_for(w, person_id: str, alg: str = "ES256", origin: str = BASE) -> SoftPasskey:
    """`person_id`'s passkey, enrolled by 太郎 for this server's RP (localhost)."""
    passkey = SoftPasskey(person_id, alg, rp_id="localhost", origin=origin)
    enrol_passkey(w, passkey)
    return passkey


@dataclass
class PasskeySession:
    client: TestClient
    passkey: SoftPasskey

    @property
    def raw_id(self) -> str:
        return b64(self.passkey.credential_id.encode())

    def csrf(self, path: str = "/") -> str:
        page = self.client.get(path).text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def assertion(self, challenge: bytes | str) -> dict:
        from crypto.personal_keys import unb64
        digest = unb64(challenge) if isinstance(challenge, str) else challenge
        block = self.passkey.sign(digest)
        return {"authenticator_data": block["authenticator_data"],
                "client_data_json": block["client_data_json"], "sig": block["sig"],
                "raw_id": self.raw_id,
                "user_handle": b64(self.passkey.person_id.encode("ascii"))}

    def sign_in(self) -> None:
        headers = {"X-CSRF-Token": self.csrf("/signin"), "Accept": "application/json"}
        step = self.client.post("/passkeys/signin/begin", json={}, headers=headers).json()
        (challenge,) = step["get"]["challenges"]
        done = self.client.post(step["next"], headers=headers, json={
            "token": step["token"], "assertions": [self.assertion(challenge)]}).json()
        assert done == {"done": True, "redirect": "/"}, done

    def begin(self, path: str, page: str, **form) -> dict:
        """The first step of the page's form as webauthn.js sends it for a passkey user: the
        form, url-encoded, with `X-Passkey-Act: 1`. The server's answer (a `get` step with the
        act's digests, or done)."""
        r = self.client.post(path, data={"csrf": self.csrf(page), **form}, headers={
            "X-CSRF-Token": self.csrf(page), "X-Passkey-Act": "1", "Accept": "application/json"})
        return r.json()

    def answer(self, step: dict, assertions: list[dict] | None = None, page: str = "/"):
        """Send the step's assertions (made now over its challenges, unless given); the page
        the act answered, as the browser is then shown it."""
        if assertions is None:
            assertions = [self.assertion(c) for c in step["get"]["challenges"]]
        r = self.client.post(step["next"], headers={"X-CSRF-Token": self.csrf(page),
                                                    "Accept": "application/json"},
                             json={"token": step["token"], "assertions": assertions})
        return r

    def act(self, path: str, page: str, **form):
        """The form taken whole, signed with the passkey: the response the browser lands on."""
        step = self.begin(path, page, **form)
        assert "get" in step, step
        done = self.answer(step, page=page).json()
        assert done.get("done"), done
        return self.client.get(done["redirect"], follow_redirects=False)
