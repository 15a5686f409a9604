"""kill -9 during a case's `seal` never leaves an unrecorded package (issue 8 §9).

Record first, then release: the package and its notice are complete under hidden names
while the seal is recorded, and take their names only after the commit. A child process
seals and is killed at a random moment, at least 30 times. After each kill, every package
file and every notice in the output directories is recorded in the ledger; a seal recorded
whose files never arrived is shown by `status` as interrupted; and the next seal sweeps the
part files a killed one left (a notice part holds a password)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from crypto import CrashedPartRemoved, placement
from handover import reports
from handover.model import tables
from tests.handover.support import HOST

ROOT = Path(__file__).resolve().parents[3]
CHILD = """
import datetime as dt, sys
from handover import actions
from handover.model.database import open_database
from handover.model.journal import Journal
from tests.handover.support import HOST, PASSPHRASE, TINY_KDF
url, key, actor, case, src, out, notices, moment = sys.argv[1:]
j = Journal(open_database(url), "ward", key, clock=lambda: dt.datetime.fromisoformat(moment),
            host=HOST, os_user="tester")
actions.unlock(j, actor, PASSPHRASE)     # the world's people all chose this passphrase
print("ready", flush=True)
sys.stdin.readline()
actions.seal_extract(j, actor, case, [src], medium_kind="dvd-r", content="見本データ",
                     out_dir=out, notice_dir=notices, kdf_params=TINY_KDF)
print("done", flush=True)
"""


def _seal_in_child(w, src: Path, out: Path, notices: Path, delay: float | None) -> float:
    w.clock.advance(minutes=1)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(w.j.engine.url.render_as_string(False)),
         str(w.j.key_path), w.taro, w.case_id, str(src), str(out), str(notices),
         w.clock.now.isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert child.stdout.readline() == b"ready\n", child.stderr.read().decode()
    start = time.perf_counter()
    child.stdin.write(b"go\n")
    child.stdin.flush()
    if delay is None:
        assert child.wait() == 0, child.stderr.read().decode()
    else:
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
    return time.perf_counter() - start


def _named(directory: Path) -> set[str]:
    return {n for n in os.listdir(directory) if not n.startswith(".")} if directory.exists() else set()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)   # the order is the same on both
def test_kill_9_during_seal_never_leaves_an_unrecorded_package(world, tmp_path):
    w = world
    src = tmp_path / "extract.csv"
    src.write_text("番号,氏名\n" + "".join(f"{i},見本 {i}\n" for i in range(150_000)),
                   encoding="utf-8")
    out, notices = tmp_path / "out", tmp_path / "notices"
    duration = _seal_in_child(w, src, out, notices, None)
    interrupted: set[str] = set()
    for run in range(32):
        _seal_in_child(w, src, out, notices, random.uniform(0, duration * 1.3))
        packages = {r.package_id: r for r in _rows(w, tables.packages)}
        notices_recorded = {r.item_id for r in _rows(w, tables.items) if r.kind == "notice"}
        for name in _named(out):
            assert name.removesuffix(".hop") in packages, f"run {run}: {name} was never recorded"
        for name in _named(notices):
            assert name.removeprefix("notice-").removesuffix(".pdf") in notices_recorded, \
                f"run {run}: notice {name} was never recorded"
        interrupted = {s["package_id"] for s in
                       reports.status(w.j, w.case_id)["cases"][0]["interrupted_seals"]}
        for package_id, row in packages.items():
            assert (package_id in interrupted) == (not Path(row.package_file).exists()), run
    print(f"after 32 kills: {len(_named(out))} packages placed, {len(interrupted)} interrupted")


def _rows(w, table):
    import sqlalchemy as sa
    with w.j.engine.connect() as conn:
        return conn.execute(sa.select(table).where(table.c.log == w.j.log)).all()


def test_a_seal_cut_off_after_recording_shows_in_status(world, tmp_path, monkeypatch):
    """The window between the commit and the release, made certain: release fails."""
    from crypto.package import StagedPackage

    def power_cut(self):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(StagedPackage, "release", power_cut)
    with pytest.raises(Exception) as e:
        world.seal(out_dir=tmp_path / "o", notice_dir=tmp_path / "n")
    assert "was recorded" in str(e.value) and "seal the extract again" in e.value.hint
    [case] = reports.status(world.j, world.case_id)["cases"]
    [cut] = case["interrupted_seals"]
    assert cut["package_file"].endswith(f"{cut['package_id']}.hop") and cut["notice_missing"]
    assert _named(tmp_path / "o") == set() and _named(tmp_path / "n") == set()
    # No hidden part file with the password stays behind either.
    assert os.listdir(tmp_path / "n") == [] and os.listdir(tmp_path / "o") == []


def test_a_placed_seal_is_not_reported_and_a_moved_medium_no_longer_checked(world, tmp_path):
    s = world.seal(out_dir=tmp_path / "o", notice_dir=tmp_path / "n")
    assert reports.status(world.j, world.case_id)["cases"][0]["interrupted_seals"] == []
    s.package_path.unlink()   # burned and deleted, say, before storing: still at its sealer
    assert [c["package_id"] for c in
            reports.status(world.j, world.case_id)["cases"][0]["interrupted_seals"]] == [s.package_id]
    from handover import actions
    actions.store_item(world.j, world.taro, s.medium_id, world.media_cab)
    assert reports.status(world.j, world.case_id)["cases"][0]["interrupted_seals"] == []


def test_the_next_seal_sweeps_what_a_killed_one_left(world, tmp_path):
    out, notices = tmp_path / "o", tmp_path / "n"
    notices.mkdir(mode=0o700)
    out.mkdir()
    stale = [notices / f".{'a' * 16}{placement.PART_SUFFIX}", out / f".{'b' * 16}{placement.PART_SUFFIX}"]
    for p in stale:
        p.write_bytes(b"%PDF password notice that never got its name")
        old = time.time() - 3600
        os.utime(p, (old, old))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CrashedPartRemoved)
        world.seal(out_dir=out, notice_dir=notices)
    assert not any(p.exists() for p in stale)
    assert sum(issubclass(c.category, CrashedPartRemoved) for c in caught) == 2
