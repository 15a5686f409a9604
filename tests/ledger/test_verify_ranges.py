"""On large logs a full verify replays ranges of the log in worker processes, each on its own
read connection (ledger/ranges.py; issue 8 §4). It must report exactly what the serial
replay reports: the same first bad index, failure and message, the same roots at every
checkpoint (inside a range, at a range border), the same key rotations and the same saved
auditor state. Here ranges are 8 entries long and every log counts as large."""

from __future__ import annotations

import json

import pytest

import ledger
from ledger import note, ranges
from ledger.encoding import encode_entry, entry_hash
from tests.ledger.conftest import T0, checkpoint, fill, tamper, verify
from tests.ledger.test_review_findings import GOOD, _append_raw_body

RANGE = 8


@pytest.fixture
def ranged(monkeypatch):
    """Verify in ranges of 8 entries, read and checked in batches of 3, on any log; count the
    replays that took the ranges."""
    monkeypatch.setattr(ranges, "RANGE", RANGE)
    monkeypatch.setattr(ranges, "BATCH", 3)
    monkeypatch.setattr(ranges, "WORTH_IT", 0)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    used = {"ranges": 0, "take_over": 0}
    for name in used:
        original = getattr(ranges, f"_{name}" if name == "take_over" else "_in_ranges")

        def counting(*args, _original=original, _name=name, **kwargs):
            used[_name] += 1
            return _original(*args, **kwargs)
        monkeypatch.setattr(ranges, f"_{name}" if name == "take_over" else "_in_ranges", counting)
    return used


def both_ways(engine, trusted, monkeypatch, used, state=None, **kwargs):
    """The report of a verify in ranges, after checking it equals the serial one."""
    def run():
        with engine.connect() as conn:
            return ledger.verify_log(conn, "ward", trusted, state, **kwargs)
    saved = state.read_bytes() if state is not None and state.exists() else None
    before = used["ranges"]
    in_ranges = run()
    assert used["ranges"] == before + 1, "the verify did not take the ranges"
    kept = state.read_bytes() if state is not None and state.exists() else None
    if state is not None:   # the serial verify starts from the same state file
        state.unlink(missing_ok=True)
        if saved is not None:
            state.write_bytes(saved)
    with monkeypatch.context() as m:
        m.setattr(ranges, "WORTH_IT", 10**9)
        serial = run()
    assert used["ranges"] == before + 1
    assert in_ranges.as_json() == serial.as_json()
    if state is not None:
        assert kept == (state.read_bytes() if state.exists() else None)
    return in_ranges


def test_a_clean_log_with_checkpoints_inside_ranges_and_at_borders(engine, signer, trusted, monkeypatch, ranged):
    # Checkpoints at 3 (inside the first range), 8 and 16 (borders), 21, 37 and the head 45.
    for n in (3, 5, 8, 5, 16, 8):
        fill(engine, n, start=ledger.log_size(engine, "ward"))
        checkpoint(engine, signer)
    report = both_ways(engine, trusted, monkeypatch, ranged, all_signatures=True)
    assert report.ok and report.size == 45
    assert report.checkpoints_checked == 6 and report.signatures_checked == 6
    assert ranged["take_over"] == 0


@pytest.mark.parametrize("size", [3, 21, 24, 37])
def test_a_wrong_root_signed_at_any_size_is_found(engine, signer, trusted, monkeypatch, ranged, size):
    fill(engine, 45)
    checkpoint(engine, signer)
    body = note.Checkpoint("handover/ward", size, b"\x07" * 32).body()
    with engine.begin() as conn:
        conn.execute(ledger.schema.checkpoints.insert().values(
            log="ward", size=size, note=note.sign_note(body, signer), compact_range=b""))
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert [p.failure for p in report.problems] == ["checkpoint-mismatch"]
    assert f"below {size}" in report.problems[0].message


# Positions: the first entry, inside a range, the last of a range, the first of the next
# (a range border), and the last entry of the log (in the last, partial range).
POSITIONS = [0, 5, 7, 8, 16, 33, 36]


def _rewrite(engine, idx, **fields):
    tamper(engine, f"UPDATE ledger_entries SET {', '.join(f'{k} = :{k}' for k in fields)} "
           "WHERE idx = :i", params={**fields, "i": idx})


TAMPERINGS = [("payload", "hash-mismatch", 0), ("hash", "hash-mismatch", 0),
              ("delete", "missing-entry", 0), ("chain", "chain-break", 0),
              ("rehashed", "changed-entry", -1), ("not-canonical", "not-canonical", 0)]


@pytest.mark.parametrize("at, how, failure, named", [
    (at, *t) for t in TAMPERINGS for at in POSITIONS if (at, t[0]) != (0, "rehashed")])
def test_each_tampering_is_named_at_its_index(engine, signer, trusted, monkeypatch, ranged,
                                              at, how, failure, named):
    entries = fill(engine, 37)
    checkpoint(engine, signer)
    e = entries[at]
    if how == "payload":
        _rewrite(engine, at, entry=e.raw.replace(b'"tag":"orig"', b'"tag":"evil"'))
    elif how == "hash":
        _rewrite(engine, at, hash=b"\x01" * 32)
    elif how == "delete":
        tamper(engine, f"DELETE FROM ledger_entries WHERE idx = {at}")
    elif how == "chain":   # well formed and hashed, linked to nothing
        forged = encode_entry("ward", at, b"\x07" * 32, "Test", {"i": at, "tag": "orig"}, "alice", T0)
        _rewrite(engine, at, entry=forged, hash=entry_hash(forged))
    elif how == "rehashed":   # entry at-1 rewritten, its stored hash fixed up: found at `at`
        before = entries[at - 1]
        forged = before.raw.replace(b'"tag":"orig"', b'"tag":"evil"')
        _rewrite(engine, at - 1, entry=forged, hash=entry_hash(forged))
    else:   # the same body with spaces, hashed correctly (the body is checked before the next link)
        forged = e.raw[:44] + json.dumps(json.loads(e.raw[44:]), sort_keys=True).encode()
        _rewrite(engine, at, entry=forged, hash=entry_hash(forged))
    report = both_ways(engine, trusted, monkeypatch, ranged)
    first = report.first_problem
    if at == 36 and how == "delete":      # the last entry deleted: the checkpoint at 37 says so
        failure, named = "truncated", 0
    if at == 36 and how == "rehashed":    # no entry after it to show that entry 35 changed
        failure, named = "chain-break", 0
    assert (first.failure, first.index) == (failure, at + named), report.problems
    assert ranged["take_over"] == (0 if failure == "truncated" else 1)


def test_a_break_inside_a_workers_range(engine, trusted, monkeypatch, ranged):
    fill(engine, 40)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 19")
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("missing-entry", 19)
    assert report.first_problem.message == "log 'ward': entry 19 is missing (the next stored entry is 20)"
    assert report.size == 19


def test_a_break_at_a_range_border(engine, trusted, monkeypatch, ranged):
    entries = fill(engine, 40)
    # Entry 24, the first of the fourth range, re-chained onto entry 22: entry 23 looks inserted.
    forged = encode_entry("ward", 24, entries[22].hash, "Test", {"i": 24, "tag": "orig"}, "alice", T0)
    tamper(engine, "UPDATE ledger_entries SET entry = :e, hash = :h WHERE idx = 24",
           params={"e": forged, "h": entry_hash(forged)})
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("inserted-entry", 23)
    assert report.size == 24


def test_a_history_rechained_from_a_range_border(engine, trusted, monkeypatch, ranged):
    # Entries 24..39 replaced by a chain of their own, starting from a wrong `prev`: every
    # range checks out on its own, only the link from entry 23 to entry 24 is broken.
    fill(engine, 40)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 24")
    prev = b"\x07" * 32
    for i in range(24, 40):
        forged = encode_entry("ward", i, prev, "Test", {"i": i, "tag": "forged"}, "alice", T0)
        prev = entry_hash(forged)
        tamper(engine, "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', :i, :e, :h)",
               params={"i": i, "e": forged, "h": prev})
    report = both_ways(engine, trusted, monkeypatch, ranged)
    # The serial replay's reading: entry 25 still links to 24, so 23 is the one out of place.
    assert (report.first_problem.failure, report.first_problem.index) == ("changed-entry", 23)
    assert ranged["take_over"] == 1


def test_a_non_canonical_body_in_the_last_range(engine, trusted, monkeypatch, ranged):
    fill(engine, 37)
    _append_raw_body(engine, json.dumps(GOOD).encode())    # index 37, in the range 32..39
    fill(engine, 2, start=38)
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("not-canonical", 37)
    assert report.first_problem.message == "log 'ward': entry 37: body is not in canonical form"
    assert report.size == 37


def test_only_the_first_of_several_problems_is_named(engine, trusted, monkeypatch, ranged):
    fill(engine, 30)
    _append_raw_body(engine, b"not json")                  # index 30
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 12",
           "UPDATE ledger_entries SET hash = :h WHERE idx = 3", params={"h": b"\x01" * 32})
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("hash-mismatch", 3)


def test_truncation_and_a_row_below_zero(engine, signer, trusted, monkeypatch, ranged):
    entries = fill(engine, 30)
    checkpoint(engine, signer)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 17")
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("truncated", 17)
    tamper(engine, "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', -1, :e, :h)",
           params={"e": entries[0].raw, "h": entries[0].hash})
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert (report.first_problem.failure, report.first_problem.index) == ("missing-entry", 0)


def test_the_auditor_state_across_ranges(engine, signer, trusted, monkeypatch, ranged, tmp_path):
    state = tmp_path / "state.json"
    fill(engine, 30)
    checkpoint(engine, signer)
    report = both_ways(engine, trusted, monkeypatch, ranged, state=state)
    assert report.ok and report.state_updated
    assert len(json.loads(state.read_text())["leaf_prefixes"]) == 30 * 8 * 4 // 3
    fill(engine, 11, start=30)
    checkpoint(engine, signer)
    assert both_ways(engine, trusted, monkeypatch, ranged, state=state).ok   # extends the state
    # A second history from index 19, validly chained and signed: a fork at 19.
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 19", "DELETE FROM ledger_checkpoints")
    fill(engine, 22, start=19, tag="fork")
    checkpoint(engine, signer)
    report = both_ways(engine, trusted, monkeypatch, ranged, state=state)
    assert (report.first_problem.failure, report.first_problem.index) == ("fork", 19)


def test_key_rotations_are_found_in_every_range(engine, signer, trusted, monkeypatch, ranged, tmp_path):
    fill(engine, 12)
    checkpoint(engine, signer)
    new = note.generate_signer("handover-test")
    with ledger.writer(engine, "ward") as lg:   # entry 12: the second range, its second batch
        ledger.rotate_key(lg, new, old_signer=signer, reason="retired", actor="alice", claimed_time=T0)
    fill(engine, 12, start=13)
    checkpoint(engine, new)
    report = both_ways(engine, trusted, monkeypatch, ranged)
    assert report.ok and report.size == 25
    report = both_ways(engine, trusted + [new.verifier()], monkeypatch, ranged, all_signatures=True)
    assert report.ok and report.signatures_checked == 3   # the rotation signs one too


@pytest.mark.parametrize("kind", ["9Starts-with-a-digit", "has space", ["Test"], {"k": 1}, 7])
def test_a_kind_outside_the_allowed_names_fails_each_time(engine, trusted, monkeypatch, ranged, kind):
    # Allowed kinds are remembered once matched; a bad one never is, nor a non-string.
    fill(engine, 9)
    bad = json.dumps({**GOOD, "kind": kind}, sort_keys=True, separators=(",", ":")).encode()
    _append_raw_body(engine, bad)                           # index 9
    for _ in range(2):
        report = both_ways(engine, trusted, monkeypatch, ranged)
        assert (report.first_problem.failure, report.first_problem.index) == ("not-canonical", 9)
        assert "is not allowed" in report.first_problem.message
