"""kill -9 during `package open` never strands plaintext (issue 8 §9).

A child process opens a package and is killed at a random moment, at least 30 times. After
each kill the output directory holds nothing or only whole, authenticated files: never a
part file. Where part files must have names (no O_TMPFILE), the next open sweeps them."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from crypto import CrashedPartRemoved, open_package, placement
from tests.crypto.conftest import seal

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from crypto import open_package, placement
if sys.argv[3] == "named":
    placement._open_anonymous = lambda directory: None  # as on a system without O_TMPFILE
print("ready", flush=True)
open_package(sys.argv[1], sys.argv[2], sys.stdin.readline().strip())
"""
FILES = {"a.csv": b"id,name\n" + b"1,yamada\n" * 400_000, "b.bin": os.urandom(3_000_000),
         "c.txt": b"last"}


def kill_during_open(pkg: Path, out: Path, password: str, delay: float, mode: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(pkg), str(out), mode],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    assert child.stdout.readline() == b"ready\n"  # imports done; the open starts now
    child.stdin.write(password.encode() + b"\n")
    child.stdin.flush()
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()


def whole_files_only(out: Path) -> list[str]:
    """The names in `out`, after checking that each is a whole file of the package."""
    names = sorted(os.listdir(out)) if out.exists() else []
    whole_files_only_in(out, names)
    return names


def whole_files_only_or_parts(out: Path) -> list[str]:
    names = sorted(os.listdir(out)) if out.exists() else []
    whole_files_only_in(out, [n for n in names if not n.endswith(placement.PART_SUFFIX)])
    return names


def whole_files_only_in(out: Path, names: list[str]) -> None:
    for name in names:
        assert name in FILES, f"{name} left behind in {out}"
        assert hashlib.sha256((out / name).read_bytes()).digest() == \
            hashlib.sha256(FILES[name]).digest(), f"partial {name}"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill")
    pkg, pw, _ = seal(tmp, FILES)
    start = time.perf_counter()
    open_package(pkg, tmp / "timing", pw)
    return pkg, pw.reveal(), time.perf_counter() - start


def test_kill_9_during_open_strands_no_plaintext(package, tmp_path):
    pkg, password, duration = package
    rnd = random.Random(8)
    outcomes = {"nothing": 0, "some": 0, "all": 0}
    for run in range(32):
        out = tmp_path / f"out{run}"
        kill_during_open(pkg, out, password, rnd.uniform(0, duration * 1.5), "anonymous")
        names = whole_files_only(out)
        outcomes["all" if len(names) == len(FILES) else "some" if names else "nothing"] += 1
    assert outcomes["nothing"] > 0  # the kills did land mid-way


def test_named_part_files_left_by_a_kill_are_swept_by_the_next_open(package, tmp_path,
                                                                    monkeypatch):
    pkg, password, duration = package
    monkeypatch.setattr(placement, "STALE_AFTER_S", 0)
    rnd = random.Random(9)
    stranded = 0
    for run in range(12):
        out = tmp_path / f"out{run}"
        kill_during_open(pkg, out, password, rnd.uniform(0, duration), "named")
        parts = [n for n in os.listdir(out) if n.endswith(placement.PART_SUFFIX)] \
            if out.exists() else []
        stranded += bool(parts)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for name in [n for n in whole_files_only_or_parts(out) if n in FILES]:
                os.unlink(out / name)  # whole files placed before the kill: not the point here
            open_package(pkg, out, password)
        assert sorted(os.listdir(out)) == sorted(FILES)  # no part file survives the next open
        swept = [w for w in caught if issubclass(w.category, CrashedPartRemoved)]
        assert len(swept) == len(parts)
        for w in swept:
            assert "part file left by an interrupted package open" in str(w.message)
    assert stranded > 0  # without the sweep, these would have stayed


def test_a_part_file_in_use_is_not_swept(tmp_path, monkeypatch):
    monkeypatch.setattr(placement, "STALE_AFTER_S", 0)
    part = placement.PartFile(tmp_path, anonymous=False)  # holds its lock, like a live writer
    try:
        assert placement.sweep_stale_parts(tmp_path) == []
        assert part.path.exists()
    finally:
        part.discard()
    assert os.listdir(tmp_path) == []
