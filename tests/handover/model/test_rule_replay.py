"""`ledger verify` replays the custody rules (issue 13 §1): an entry appended behind the
application's back, with a correct hash chain, that the rules would have refused is reported
with its index, the rule and the item. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

import ledger
from cli.main import main
from handover import demo, ids, reports
from handover.errors import EXIT_VERIFY_FAILED
from handover.model import events as ev
from handover.model import fold
from handover.model.replay import OVERRIDE_NOT_RECORDED, replay_rules
from ledger.encoding import encode_entry, entry_hash
from ledger.schema import entries
from tests.handover.support import HOST, World


def _forge(w: World, actor: str, event: ev.Event, at: dt.datetime) -> int:
    """What the reviewer did: a plain INSERT of an entry with a correct chain and hash, no
    action, no policy. Returns its index."""
    payload = {**event.to_payload(), "origin": {"os_user": "tester", "host": HOST}}
    with ledger.writer(w.j.engine, w.j.log) as lg:
        index = lg.size
        raw = encode_entry(w.j.log, index, lg._head, event.KIND, payload, actor, at)
        lg.connection.execute(entries.insert().values(log=w.j.log, idx=index, entry=raw,
                                                      hash=entry_hash(raw)))
    w.forged = True
    fold.ensure_current(w.j.engine, w.j.log)   # `status` would show the forger holding both
    return index


def _forged_handover(w: World, items: list[str], to_person: str, **kw) -> ev.HandoverRecorded:
    return ev.HandoverRecorded(
        handover_id=ids.new_id("H"), case_id=w.case_id, moment=ev.PROVIDE,
        occurred_at=w.clock.now.isoformat(), from_person=w.taro, from_org=w.ward,
        to_person=to_person, to_org=w.contractor, method="hand", items=items, **kw)


def _verify_cli(w: World, *args: str):
    env = {"HANDOVER_DB": str(w.j.engine.url.render_as_string(hide_password=False)),
           "HANDOVER_LOG": w.j.log, "HANDOVER_KEY": str(w.j.key_path)}
    return CliRunner().invoke(main, ["ledger", *args], env=env, catch_exceptions=False)


def test_the_reviewers_forgery_is_reported_with_index_rule_and_item(world, sealed):
    w = world
    assert replay_rules(w.j.engine, w.j.log).findings == []
    given = _forged_handover(w, [sealed.medium_id, sealed.notice_id], w.outsider)
    w.clock.advance(minutes=5)
    recorded = _forge(w, w.taro, given, w.clock.now)
    w.clock.advance(minutes=5)
    confirmed = _forge(w, w.outsider, ev.HandoverConfirmed(given.handover_id, w.outsider,
                                                           w.clock.now.isoformat()), w.clock.now)
    with w.j.reading() as st:   # the cache believes it: the forger holds both
        assert st.item(sealed.medium_id).holder_person == w.outsider

    found = replay_rules(w.j.engine, w.j.log)
    assert found.entries == w.size()
    assert [(f.index, f.kind, f.rule, f.item) for f in found.findings] == [
        (recorded, "HandoverRecorded", "not-on-roster", w.outsider),
        (confirmed, "HandoverConfirmed", "not-on-roster", w.outsider)]

    # The chain and signatures still verify; the rules do not, and verify says so.
    r = _verify_cli(w, "verify", "--trusted-key", str(w.j.key_path.with_suffix(".pub")))
    assert r.exit_code == EXIT_VERIFY_FAILED, r.output
    assert f"RULE BROKEN entry {recorded} (HandoverRecorded by {w.taro}): not-on-roster " \
           f"{w.outsider}" in r.output
    assert f"entry {confirmed} (HandoverConfirmed" in r.output and "\nok\n" not in r.output
    r = _verify_cli(w, "replay-rules", "--json")
    assert r.exit_code == EXIT_VERIFY_FAILED
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and [f["index"] for f in doc["findings"]] == [recorded, confirmed]


def test_a_medium_and_its_notice_together_to_a_rostered_person_break_separate_occasions(
        world, sealed):
    w = world
    w.clock.advance(minutes=5)
    index = _forge(w, w.taro, _forged_handover(w, [sealed.medium_id, sealed.notice_id],
                                               w.hanako), w.clock.now)
    [f] = replay_rules(w.j.engine, w.j.log).findings
    assert (f.index, f.rule, f.item) == (index, "separate-occasions", sealed.notice_id)


def test_an_entry_by_someone_never_registered_is_reported(world):
    w = world
    index = _forge(w, "U-ZZZZ-ZZZZ-ZZZZ-Z", ev.RemarkRecorded("見本"), w.clock.now)
    [f] = replay_rules(w.j.engine, w.j.log).findings
    assert (f.index, f.rule) == (index, "unresolvable") and "not registered" in f.message


def test_an_override_recorded_in_the_entry_replays_fine(world, sealed):
    w = world
    w.provide(sealed.medium_id)
    w.clock.advance(hours=1)
    done = w.provide(sealed.notice_id, from_person=w.jiro, actor=w.jiro,
                     override_reason="受託者の依頼により同日受渡し（課長承認）")
    assert [o["rule"] for o in done.overrides] == ["same-recipient-interval"]
    assert replay_rules(w.j.engine, w.j.log).findings == []


def test_an_override_reason_without_the_override_listed_is_reported(world, sealed):
    """A reason alone is not a recorded override: the entry must name the rule it passed."""
    w = world
    w.provide(sealed.medium_id)
    w.clock.advance(hours=1)
    bare = _forged_handover(w, [sealed.notice_id], w.hanako, override_reason="理由")
    bare = ev.HandoverRecorded(**{**bare.to_payload(), "from_person": w.jiro})
    index = _forge(w, w.jiro, bare, w.clock.now)
    [f] = replay_rules(w.j.engine, w.j.log).findings
    assert (f.index, f.rule, f.item) == (index, OVERRIDE_NOT_RECORDED, sealed.notice_id)


def test_a_visit_round_forged_closed_with_a_list_out_is_reported(world):
    """Issue 11 §2: a round closed behind the actions' back while a list is still out, and a
    list then issued to one visitor with its other half, are each found by the replay."""
    from handover import actions
    from tests.handover.actions.test_visit_lists import write_extract
    w = world
    done = actions.split_visit_list(w.j, w.hanako, w.case_id, write_extract(w.tmp, rows=6),
                                    w.tmp / "lists").value
    a, b = (lst["list_id"] for lst in done.lists)
    round_id = actions.start_visit_round(w.j, w.hanako, w.case_id, w.clock.now.date(),
                                         [w.ichiro, w.courier], [a]).value
    w.clock.advance(hours=3)
    closed = _forge(w, w.hanako, ev.VisitRoundClosed(round_id), w.clock.now)
    w.clock.advance(minutes=5)
    together = _forge(w, w.hanako, ev.VisitRoundStarted(
        ids.new_id("R"), w.case_id, w.clock.now.date().isoformat(), [w.ichiro, w.courier],
        [{"list_id": b, "visitor": w.courier}, {"list_id": a, "visitor": w.courier}], 2),
        w.clock.now)
    found = replay_rules(w.j.engine, w.j.log).findings
    assert [(f.index, f.rule, f.item) for f in found] == [
        (closed, "lists-out", a), (together, "list-already-issued", a)]


def test_a_forged_register_count_or_a_list_issued_twice_is_reported(world):
    """list-count: the 配布枚数 on the register is the number of lists, each named once (the
    actions always count for themselves, so only a forged entry can break it)."""
    from handover import actions
    from tests.handover.actions.test_visit_lists import write_extract
    w = world
    done = actions.split_visit_list(w.j, w.hanako, w.case_id, write_extract(w.tmp, rows=6),
                                    w.tmp / "lists").value
    a, b = (lst["list_id"] for lst in done.lists)
    w.clock.advance(minutes=5)
    wrong = _forge(w, w.hanako, ev.VisitRoundStarted(
        ids.new_id("R"), w.case_id, w.clock.now.date().isoformat(), [w.ichiro, w.courier],
        [{"list_id": a, "visitor": w.ichiro}, {"list_id": b, "visitor": w.courier}], 3),
        w.clock.now)
    found = replay_rules(w.j.engine, w.j.log).findings
    assert [(f.index, f.rule) for f in found] == [(wrong, "list-count")]


def test_the_demo_log_replays_with_no_findings(tmp_path):
    result = demo.run(tmp_path / "demo", say=lambda _: None)
    found = reports.replay_rules(result.settings)
    assert found.entries > 30 and found.findings == []
