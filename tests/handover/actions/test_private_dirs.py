"""Directories the product creates are 0700 even under umask 000 (issue 8 §9)."""

from __future__ import annotations

import os
import stat


def test_seal_creates_its_directories_0700_under_umask_000(world):
    old = os.umask(0)
    try:
        base = world.tmp / "fresh"
        world.seal(out_dir=base / "out", notice_dir=base / "notices",
                   labels_dir=base / "labels", label_key_path=world.label_key)
    finally:
        os.umask(old)
    for d in (base, base / "out", base / "notices", base / "labels"):
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
