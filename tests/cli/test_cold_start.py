"""Cold start: what a command imports before it does anything. `--help` and the `package`
commands must not load SQLAlchemy, and no command but one that makes a PDF loads reportlab
(timings are in docs/PERFORMANCE.md, measured by bench/, never here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import crypto
from cli import custody_reports
from handover import reports

HEAVY = ("sqlalchemy", "reportlab", "zxingcpp", "PIL")

_PROBE = """
import json, sys
from cli.main import main
code = 0
try:
    main(sys.argv[1:], prog_name="handover")
except SystemExit as e:
    code = e.code
print(json.dumps([code, sorted(m for m in {heavy!r} if m in sys.modules)]), file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    """The heavy modules loaded by a command that succeeded."""
    done = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
                          capture_output=True, text=True, timeout=120)
    code, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert code in (0, None), done.stderr
    return loaded


def test_help_loads_no_database_pdf_or_image_library():
    assert _loaded("--help") == []
    assert _loaded("package", "--help") == []


def test_package_inspect_loads_no_database_or_pdf_library(tmp_path: Path):
    src = tmp_path / "extract.csv"
    src.write_text("番号\n1\n", encoding="utf-8")
    pkg = tmp_path / "extract.hpkg"
    crypto.seal_package([src], pkg, crypto.generate_password(),
                        kdf_params=crypto.KdfParams(memory_kib=64, iterations=1, lanes=1))
    assert _loaded("package", "inspect", str(pkg)) == []


def test_status_loads_no_pdf_library(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'h.db'}"
    from handover.model.database import open_database
    open_database(db, create=True).dispose()   # status refuses a database that does not exist
    assert "reportlab" not in _loaded("--db", db, "status")


def test_the_label_formats_the_cli_offers_are_the_reports_own():
    assert custody_reports.LABEL_FORMATS == reports.LABEL_FORMATS


def test_every_name_the_lower_packages_export_resolves():
    import ledger
    from handover import documents
    for package in (crypto, ledger, documents):
        for name in package.__all__:
            assert getattr(package, name) is not None, f"{package.__name__}.{name}"
