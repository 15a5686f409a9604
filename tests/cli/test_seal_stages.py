"""`handover package seal` in the order that keeps its memory low (issue 15 §4; the figures
are in docs/PERFORMANCE.md, measured by bench/, never here): the KDF's 24 MiB runs before
numpy (the row counter) and reportlab (the notice) are loaded, the notice is drawn after the
package has streamed, with faces that are looked up rather than parsed, and a seal that
fails on the way leaves no notice behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import crypto.package
from cli.main import main
from handover.errors import EXIT_FAILURE

_PROBE = """
import json, sys
import crypto.kdf
from cli.main import main

at_kdf = []
derive = crypto.kdf.derive

def watched(*args, **kwargs):
    at_kdf.extend(m for m in ("numpy", "reportlab") if m in sys.modules)
    return derive(*args, **kwargs)

crypto.kdf.derive = watched
code = 0
try:
    main(sys.argv[1:], prog_name="handover")
except SystemExit as e:
    code = e.code
faces = []
if "reportlab" in sys.modules:
    from reportlab.pdfbase import pdfmetrics
    faces = sorted({type(pdfmetrics.getFont(name).face).__name__
                    for name in pdfmetrics.getRegisteredFontNames()
                    if name.startswith("Handover-")})
print(json.dumps({"code": code, "at_kdf": at_kdf, "faces": faces,
                  "at_end": [m for m in ("numpy", "reportlab") if m in sys.modules]}),
      file=sys.stderr)
"""


def _big_csv(path: Path) -> Path:
    # Over 1 MiB, so it is counted with numpy (crypto.rows.SMALL_FILE).
    path.write_bytes(b'"id","name"\r\n' + b'"1","\x8eR\x93c \x91\xbe\x98Y"\r\n' * 120_000)
    return path


def test_the_kdf_runs_before_numpy_and_reportlab_are_loaded(tmp_path):
    (tmp_path / "pkg").mkdir()
    src = _big_csv(tmp_path / "export.csv")
    done = subprocess.run([sys.executable, "-c", _PROBE, "package", "seal", str(src),
                           "--out", str(tmp_path / "pkg" / "p.hop"),
                           "--notice-dir", str(tmp_path / "notices")],
                          capture_output=True, text=True, timeout=300)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] in (0, None), done.stderr
    assert probe["at_kdf"] == []
    assert probe["at_end"] == ["numpy", "reportlab"]   # both were needed, after the KDF
    if probe["faces"]:   # IPAex installed: looked up in the mapped files, never parsed whole
        assert probe["faces"] == ["_MappedFace"]
    assert len(os.listdir(tmp_path / "notices")) == 1


def test_a_seal_that_fails_while_streaming_leaves_no_notice(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    src = _big_csv(tmp_path / "export.csv")
    read_into = crypto.package._Source.read_into

    def shrinking(self, view):   # someone truncates the export after the first batch
        read_into(self, view)
        os.truncate(src, 1000)

    monkeypatch.setattr(crypto.package._Source, "read_into", shrinking)
    r = CliRunner().invoke(main, ["package", "seal", str(src), "--out",
                                  str(tmp_path / "pkg" / "p.hop"), "--notice-dir",
                                  str(tmp_path / "notices")])
    assert r.exit_code == EXIT_FAILURE, r.output
    assert "shrank while it was being sealed" in r.stderr
    assert os.listdir(tmp_path / "pkg") == []
    notices = tmp_path / "notices"
    assert not notices.exists() or os.listdir(notices) == []
