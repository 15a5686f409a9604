"""`handover scan` on hostile input (issue 8 §9): bytes that are not UTF-8 on stdin and a
decompression bomb as --image each give a clear error, never a traceback or a hang."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from handover.errors import EXIT_FAILURE
from handover.label_codes import label_payload, load_label_key
from tests.cli.test_custody_cli import ok, run, ward  # noqa: F401


def _png_header_claiming(path: Path, width: int, height: int) -> Path:
    """A PNG of a few hundred bytes whose header claims width×height grey pixels; its data
    would inflate to width×height bytes if anything decoded it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = zlib.compress(b"\0" * (1 + width) * 8)
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path


def test_scan_names_the_stdin_line_that_is_not_utf8(run, ward, tmp_path):
    s = ward["sealed"]
    good = label_payload(s["medium_id"], load_label_key(tmp_path / "label.key"))
    r = run("scan", "--record", "--case", ward["case"], "--moment", "provide",
            "--from", ward["staff"], "--to", ward["hanako"], "--method", "hand",
            input=f"{good}\n".encode() + b"\xff\xfe\x00garbage\n", actor=ward["staff"])
    assert r.exit_code == EXIT_FAILURE, (r.stdout, r.stderr)
    assert r.stderr.startswith("handover: error: line 2 of the scans is not UTF-8 text "
                               "(byte 0xff at position 1); stopped there, nothing was recorded")
    assert "handover: hint: set the scanner to send UTF-8" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert f"ok: {s['medium_id']}" in r.stdout       # the good scan before it got its verdict
    status = ok(run("status"))
    assert "[OUT" not in status                      # nothing was recorded


def test_scan_refuses_a_decompression_bomb_before_decoding_it(run, ward, tmp_path):
    for width, height in ((20000, 20000), (9000, 9000)):
        bomb = _png_header_claiming(tmp_path / f"bomb-{width}.png", width, height)
        assert bomb.stat().st_size < 2000
        r = run("scan", "--image", str(bomb))
        assert r.exit_code == EXIT_FAILURE, (r.stdout, r.stderr)
        assert r.stderr.startswith(f"handover: error: image {bomb} is too large to scan (")
        assert "at most 64 megapixels); it was not decoded" in r.stderr
        assert "handover: hint: photograph the label again" in r.stderr
    assert "9000×9000 pixels" in r.stderr
