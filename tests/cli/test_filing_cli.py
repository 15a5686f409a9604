"""The 確認書 as `record`, `confirm` and `print` file it (issue 8 §7): what moved and how many,
the content, overrides in Japanese, and a reprint that is marked, recorded and filed apart."""

from __future__ import annotations

import datetime as dt
import re

from handover.model.policy import RULE_TITLES_JA
from tests.cli.test_custody_cli import DAY1, START, ok, out_json, run, ward  # noqa: F401
from tests.handover.support import needs_poppler, pdf_text


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _provide(run, w, tmp_path, *items, method="hand", extra=()):
    out = ok(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                 "--to", w["hanako"], "--method", method, *[a for i in items for a in
                                                           ("--item", i)],
                 "--at", DAY1, "--pdf-dir", str(tmp_path / "pdf"), *extra, actor=w["staff"]))
    return re.search(r"(H-[0-9A-Z-]+)", out).group(1)


@needs_poppler
def test_the_kakuninsho_prints_content_counts_and_overrides_in_japanese(run, ward, tmp_path):
    w, s = ward, ward["sealed"]
    run.clock["now"] = START + dt.timedelta(hours=2)
    medium = _provide(run, w, tmp_path, s["medium_id"],
                      extra=("--content", "接種券発送対象者データ（令和8年度）"))
    text = _squash(pdf_text(tmp_path / "pdf" / f"kakuninsho-{medium}.pdf"))
    assert "接種券発送対象者データ（令和8年度）" in text      # record --content is printed
    assert "媒体の提供" in text and "パスワード通知書の提供" not in text
    notice = _provide(run, w, tmp_path, s["notice_id"], method="registered_mail",
                      extra=("--override-reason", "至急（課長承認）"))
    text = _squash(pdf_text(tmp_path / "pdf" / f"kakuninsho-{notice}.pdf"))
    assert "（パスワード通知書の提供）" in text
    assert "1通" in text                                       # a notice counts 1 通, not —
    assert "至急（課長承認）" in text
    assert RULE_TITLES_JA["same-recipient-interval"] + "same-recipient-interval" in text


@needs_poppler
def test_a_reprint_is_marked_recorded_and_filed_apart_from_the_original(run, ward, tmp_path):
    w, s = ward, ward["sealed"]
    run.clock["now"] = START + dt.timedelta(hours=2)
    handover_id = _provide(run, w, tmp_path, s["medium_id"])
    original = tmp_path / "pdf" / f"kakuninsho-{handover_id}.pdf"
    filed = original.read_bytes()
    assert "再発行" not in pdf_text(original)

    run.clock["now"] = START + dt.timedelta(days=3, hours=5, minutes=7)
    out = ok(run("print", handover_id, "--pdf-dir", str(tmp_path / "pdf"), actor=w["staff"]))
    reprint = tmp_path / "pdf" / re.search(r"(kakuninsho-\S+\.pdf)", out).group(1)
    assert reprint != original and original.read_bytes() == filed
    assert re.fullmatch(rf"kakuninsho-{handover_id}-reprint-\d+\.pdf", reprint.name)
    text = _squash(pdf_text(reprint))
    assert "再発行令和8年4月9日14時07分（2026-04-09T14:07+09:00）" in text
    # A second reprint gets a name of its own too.
    out = ok(run("print", handover_id, "--pdf-dir", str(tmp_path / "pdf"), actor=w["staff"]))
    assert reprint.name not in out and reprint.exists()

    history = out_json(run("history", handover_id, "--json"))
    reprints = [e for e in history["entries"] if e["kind"] == "ConfirmationReprinted"]
    assert len(reprints) == 2
    assert "reprinted (再発行) at 2026-04-09T14:07:00+09:00" in reprints[0]["summary"]
    assert reprints[0]["actor"] == w["staff"]
    assert "再発行" in ok(run("history", handover_id))
    # The projection rebuilt from the ledger sees the same.
    ok(run("rebuild"))
    assert out_json(run("history", handover_id, "--json"))["entries"] == history["entries"]


def test_seal_shows_progress_on_a_terminal_as_package_seal_does(run, ward, tmp_path,
                                                              monkeypatch):
    w = ward
    seal = ("seal", w["case"], str(w["src"]), "--medium", "usb", "--content", "見本データ",
            "--notice-dir", str(tmp_path / "notices"))
    r = run(*seal, "--out", str(tmp_path / "quiet"), actor=w["staff"])
    ok(r)
    assert "sealing" not in r.stderr          # a pipe or a file gets no bar
    monkeypatch.setattr("cli.output._stderr_is_terminal", lambda stream: True)
    r = run(*seal, "--out", str(tmp_path / "shown"), actor=w["staff"])
    ok(r)
    assert "sealing" in r.stderr
    (tmp_path / "pkg").mkdir()
    r = run("package", "seal", str(w["src"]), "--out", str(tmp_path / "pkg" / "a.hop"),
            "--notice-dir", str(tmp_path / "n2"))
    ok(r)
    assert "sealing" in r.stderr


@needs_poppler
def test_seal_open_and_the_kakuninsho_print_one_record_count(run, ward, tmp_path):
    """The ward fixture's CSV: a header line and 30 data records."""
    from tests.cli.test_package_cli import notice_password
    w, s = ward, ward["sealed"]
    password = notice_password(tmp_path / "notices" / f"notice-{s['notice_id']}.pdf")
    package = next((tmp_path / "out").glob("*.hop"))
    r = run("package", "verify", str(package), "--password-stdin", input=password)
    ok(r)
    assert "30 data records (データ件数; header line not counted)" in r.stdout
    run.clock["now"] = START + dt.timedelta(hours=2)
    medium = _provide(run, w, tmp_path, s["medium_id"])
    text = _squash(pdf_text(tmp_path / "pdf" / f"kakuninsho-{medium}.pdf"))
    assert "30件" in text and "31件" not in text
    assert "見出し行は数えず" in text
