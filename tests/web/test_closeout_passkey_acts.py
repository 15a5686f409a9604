"""A passkey user's acts on the close-out pages (erasure certificates, inspections, incidents,
closing a case, storing in a cabinet, visit rounds), SQLite and PostgreSQL: each is recorded
signed by the person's passkey (the entry's signature is their WebAuthn credential, made over
that entry's digest), and refused, with nothing recorded, when the page is sent without the
passkey, when the assertion is missing, or when it is stale (the act prepared more than two
minutes before it was signed: `signed-act-stale`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from starlette.testclient import TestClient

from handover import actions, reports
from handover.config import Settings
from handover.model.policy.rule_titles import RULE_TITLES_JA
from tests.handover.actions.test_visit_lists import write_extract
from tests.web.conftest import make_app
from tests.web.passkey_client import BASE, PasskeySession, passkey_for
from tests.web.test_erasure_inspection_pages import CHECKS


@dataclass
class PageAct:
    person: str                          # who acts (the World's attribute)
    page: str                            # the page (under the case) whose form is sent
    path: str                            # where the form posts (under the case)
    form: Callable                       # (world, sealed) -> the form's fields
    done: Callable                       # (world, sealed) -> whether the act is recorded


def _erasure(w, sealed):
    return {"erased": "復号したデータ", "sources": [sealed.package_id], "locations": "作業用PC-01",
            "method": "purge", "tool": "見本消去ツール v2", "performed_by": w.ichiro,
            "verified_by": w.hanako, "erased_on": "2026-04-06", "place": "受託者本社"}


def _inspection(w, sealed):
    data = {"org": w.contractor, "inspected_on": "2026-04-06", "inspectors": [w.taro, w.jiro],
            "place": "株式会社見本ツーリスト 本社", "follow_ups": ""}
    for c in CHECKS:
        data[f"result-{c}"], data[f"note-{c}"] = "ok", ""
    return data


def _inspected(w, sealed):
    years = reports.status(w.j, w.case_id)["cases"][0]["inspections"]
    return any(y["status"] == "done" for y in years)


def _round(w, sealed):
    done = actions.split_visit_list(w.j, w.hanako, w.case_id, write_extract(w.tmp, rows=12),
                                    w.tmp / "lists", label_key_path=w.label_key).value
    return {"visitor_a": w.ichiro, "visitor_b": w.courier, "area": "新宿一丁目",
            "lists": [lst["list_id"] for lst in done.lists]}


def _stored(w, sealed):
    (item,) = [i for i in reports.status(w.j, w.case_id)["cases"][0]["items"]
               if i["item_id"] == sealed.medium_id]
    return item["cabinet_id"] is not None


PAGES = {
    "erasure-certificate": PageAct("hanako", "erasures", "erasures", _erasure,
                                   lambda w, s: bool(reports.list_erasures(w.j, w.case_id))),
    "inspection": PageAct("taro", "inspections", "inspections", _inspection, _inspected),
    "incident": PageAct("hanako", "incidents", "incidents",
                        lambda w, s: {"category": "loss", "description": "封筒1通の所在が不明",
                                      "items": [s.medium_id]},
                        lambda w, s: bool(reports.list_incidents(w.j, w.case_id))),
    "closing": PageAct("taro", "close", "close",
                       lambda w, s: {"reason": "業務終了", "decision": "override",
                                     "override_reason": "見本：媒体は保管中のまま終了する"},
                       lambda w, s: reports.status(w.j, w.case_id)["cases"][0]["status"] == "closed"),
    "storing": PageAct("taro", "store", "store",
                       lambda w, s: {"item": s.medium_id, "cabinet": w.media_cab}, _stored),
    "visit-round": PageAct("hanako", "visits", "visits", _round,
                           lambda w, s: bool(reports.visit_rounds(w.j, w.case_id)["rounds"])),
}


@pytest.fixture
def pkweb(world):
    app = make_app(world)
    with TestClient(app, base_url=BASE) as client:
        yield world, client
    app.state.ctx.engine.dispose()


@pytest.mark.parametrize("name", PAGES)
def test_a_passkey_users_act_is_signed_by_the_passkey_and_refused_without_a_fresh_one(
        pkweb, sealed, name):
    w, client = pkweb
    act = PAGES[name]
    person = getattr(w, act.person)
    form = act.form(w, sealed)
    me = PasskeySession(client, passkey_for(w, person))
    w.j.signers.pop(person, None)          # only the passkey acts for the person now
    me.sign_in()
    page, path = f"/cases/{w.case_id}/{act.page}", f"/cases/{w.case_id}/{act.path}"
    size, snap = w.size(), w.snapshot()

    # Sent without the passkey (a browser without JavaScript): nothing is signed, so refused.
    r = client.post(path, data={"csrf": me.csrf(page), **form}, follow_redirects=False)
    assert r.status_code == 400 and "パスキー" in r.text
    # The assertion missing from the second step.
    step = me.begin(path, page, **form)
    r = me.answer(step, [], page)
    assert r.status_code == 400 and "パスキーの応答が不完全です" in r.json()["error"]
    # Signed after the act's preparation expired: stale, shown beside the form.
    step = me.begin(path, page, **form)
    w.clock.advance(minutes=3)
    done = me.answer(step, page=page).json()
    shown = client.get(done["redirect"])
    assert RULE_TITLES_JA["signed-act-stale"] in shown.text and "signed-act-stale" in shown.text
    assert w.size() == size and w.snapshot() == snap and not act.done(w, sealed)

    # Signed at once with a fresh assertion: recorded, each entry signed by the passkey.
    r = me.act(path, page, **form)
    assert r.status_code in (200, 303), r.text
    assert act.done(w, sealed)
    new = w.entries()[size:]
    assert new and all(e.payload["signature"]["alg"] == "webauthn"
                       and e.payload["signature"]["credential"] == me.passkey.credential_id
                       and e.actor == person for e in new)
    report = reports.verify(Settings(w.j.engine.url.render_as_string(hide_password=False),
                                     w.j.key_path, w.j.log),
                            [w.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems        # the audit checks each assertion as any signature
