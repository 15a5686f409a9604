"""`handover package …`: exit codes and stderr for every failure, and no plaintext or
temporary file left in the output directory."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from crypto import header as hdr
from handover.errors import EXIT_FAILURE, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.crypto.conftest import STRIDE, seal
from tests.handover.support import pdf_text


def run(*args, input=None):
    return CliRunner().invoke(main, ["package", *map(str, args)], input=input)


def assert_empty(out: Path) -> None:
    assert not out.exists() or sorted(os.listdir(out)) == []


@pytest.fixture
def sealed(tmp_path):
    files = {"residents.csv": b"id,name\n" + b"1,x\n" * 40000, "note.txt": b"hello"}
    pkg, pw, _ = seal(tmp_path, files)  # tiny KDF: fast
    return pkg, pw.reveal(), files


def notice_password(notice: Path) -> str:
    """The password as a contractor reads it off the printed notice: six 5-character groups."""
    groups = re.findall(r"(?<![-:\w])[0-9A-Z]{5}(?![-:\w])", pdf_text(notice))
    assert len(groups) == 6, groups
    return "-".join(groups)


def test_seal_open_verify_with_default_parameters(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "b.bin").write_bytes(os.urandom(70000))
    r = run("seal", tmp_path / "a.csv", tmp_path / "b.bin", "--out", tmp_path / "pkg" / "p.hop",
            "--notice-dir", tmp_path / "notices", "--medium", "cd-r", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert "password" not in doc and doc["notice_id"].startswith("N-")
    assert doc["size"] == (tmp_path / "pkg" / "p.hop").stat().st_size
    assert [f["rows"] for f in doc["manifest"]["files"]] == [2, None]
    # One definition of データ件数 everywhere: the header line is recorded, and not counted.
    assert [f.get("header") for f in doc["manifest"]["files"]] == [True, None]
    assert [f["records"] for f in doc["manifest"]["files"]] == [1, None]
    assert doc["package_id"].startswith("P-")
    notice = Path(doc["notice_path"])
    assert notice.parent == tmp_path / "notices" and notice.stat().st_mode & 0o077 == 0
    password = notice_password(notice)
    assert password not in r.stdout + r.stderr
    assert doc["package_id"] in pdf_text(notice) and "a.csv" not in pdf_text(notice)

    out = tmp_path / "out"
    r = run("open", tmp_path / "pkg" / "p.hop", "--out", out, "--password-stdin",
            input=password + "\n")
    assert r.exit_code == 0, r.stderr
    assert (out / "b.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert sorted(os.listdir(out)) == ["a.csv", "b.bin"]
    assert "a.csv: 8 bytes, 1 data records (データ件数; header line not counted)" in r.stdout


def test_seal_prints_no_password_and_the_package_hash(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.txt").write_bytes(b"x")
    r = run("seal", tmp_path / "a.txt", "--out", tmp_path / "pkg" / "p.hop",
            "--notice-dir", tmp_path / "n")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    notice = Path([ln for ln in lines if ln.startswith("password notice: ")][0].split()[2])
    password = notice_password(notice)
    assert password not in r.stdout and password not in r.stderr
    assert password.replace("-", "") not in r.stdout
    sha = [line.split()[1] for line in lines if line.startswith("sha256: ")][0]
    import hashlib
    assert hashlib.sha256((tmp_path / "pkg" / "p.hop").read_bytes()).hexdigest() == sha


@pytest.mark.parametrize("notice_dir", [".", "sub"])
def test_seal_refuses_the_notice_beside_the_package(tmp_path, notice_dir):
    (tmp_path / "a.txt").write_bytes(b"x")
    r = run("seal", tmp_path / "a.txt", "--out", tmp_path / "p.hop",
            "--notice-dir", tmp_path / notice_dir)
    assert r.exit_code == 4 and "rule: separate-locations" in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_seal_leaves_no_package_when_the_notice_cannot_be_written(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.txt").write_bytes(b"x")
    (tmp_path / "n").write_bytes(b"a file where the notice directory should be")
    r = run("seal", tmp_path / "a.txt", "--out", tmp_path / "pkg" / "p.hop",
            "--notice-dir", tmp_path / "n" / "notices")
    assert r.exit_code == EXIT_FAILURE, r.output
    assert "handover: error: cannot write the password notice" in r.stderr
    assert "the package was deleted" in r.stderr
    assert os.listdir(tmp_path / "pkg") == []


def test_open_and_verify(sealed, tmp_path):
    pkg, password, files = sealed
    r = run("verify", pkg, "--password-stdin", "--json", input=password)
    assert r.exit_code == 0, r.stderr
    entry = json.loads(r.stdout)["manifest"]["files"][0]
    assert entry["rows"] == 40001
    # Sealed without saying whether there is a header line: nobody can tell the data records.
    assert entry["records"] is None and "header" not in entry
    read, write = os.pipe()
    os.write(write, password.lower().encode() + b"\n")
    os.close(write)
    try:
        r = run("open", pkg, "--out", tmp_path / "out", "--password-fd", read)
    finally:
        os.close(read)
    assert r.exit_code == 0, r.stderr
    for name, data in files.items():
        assert (tmp_path / "out" / name).read_bytes() == data


def test_inspect(sealed):
    pkg, _, _ = sealed
    r = run("inspect", pkg, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["package_id"] == "P-TEST" and doc["version"] == 1 and doc["authenticated"] is False
    r = run("inspect", pkg)
    assert "package: P-TEST" in r.stdout and "not" in r.stdout


def _damage(pkg: Path, how: str) -> None:
    raw = bytearray(pkg.read_bytes())
    h = hdr.parse_header(bytes(raw))
    if how == "header":
        raw[40] ^= 1
    elif how == "chunk":
        raw[h.length + STRIDE + 10] ^= 1
    elif how == "truncated":
        raw = raw[:h.length + STRIDE]
    elif how == "version":
        raw[8:10] = b"\x00\x09"
    pkg.write_bytes(bytes(raw))


FAILURES = [
    ("wrong-password", EXIT_VERIFY_FAILED, "handover: error: wrong password"),
    ("typo", EXIT_FAILURE, "handover: error: group 3 is wrong"),
    ("header", EXIT_VERIFY_FAILED, "handover: error: the package header is damaged"),
    ("chunk", EXIT_VERIFY_FAILED, "handover: error: chunk 2 is damaged or was tampered with"),
    ("truncated", EXIT_VERIFY_FAILED, "handover: error: the package is truncated after chunk 1"),
    ("version", EXIT_FAILURE,
     "handover: error: unsupported package version 9: this tool reads version 1"),
]


@pytest.mark.parametrize("command", ["open", "verify"])
@pytest.mark.parametrize("case,code,message", FAILURES, ids=[f[0] for f in FAILURES])
def test_failures(sealed, tmp_path, command, case, code, message):
    pkg, password, _ = sealed
    if case == "wrong-password":
        from crypto import generate_password
        password = generate_password().reveal()
    elif case == "typo":
        groups = password.split("-")
        groups[2] = groups[2][:2] + ("Z" if groups[2][2] != "Z" else "Y") + groups[2][3:]
        password = "-".join(groups)
    else:
        _damage(pkg, case)
    out = tmp_path / "out"
    args = ["open", pkg, "--out", out] if command == "open" else ["verify", pkg]
    r = run(*args, "--password-stdin", input=password)
    assert r.exit_code == code
    assert r.stderr.splitlines()[0] == message
    assert r.stderr.splitlines()[1].startswith("handover: hint: ")
    assert r.stdout == ""
    assert_empty(out)
    assert password not in r.stderr


def test_refuses_to_overwrite(sealed, tmp_path):
    pkg, password, _ = sealed
    out = tmp_path / "out"
    out.mkdir()
    (out / "note.txt").write_bytes(b"mine")
    r = run("open", pkg, "--out", out, "--password-stdin", input=password)
    assert r.exit_code == EXIT_FAILURE
    assert "note.txt already exists" in r.stderr
    assert sorted(os.listdir(out)) == ["note.txt"] and (out / "note.txt").read_bytes() == b"mine"


def test_too_large_for_the_medium(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(800_000_000)  # sparse
    (tmp_path / "pkg").mkdir()
    r = run("seal", big, "--out", tmp_path / "pkg" / "p.hop", "--media", "cd-r",
            "--notice-dir", tmp_path / "n")
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.startswith("handover: error: the package would be 800.2 MB (800,195,8")
    assert "but a CD-R holds 700.0 MB (700,000,000 bytes)" in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["big.csv", "pkg"] and os.listdir(tmp_path / "pkg") == []


def test_password_is_never_an_argument(sealed):
    pkg, password, _ = sealed
    r = run("verify", pkg, "--password", password)
    assert r.exit_code == EXIT_USAGE
    r = run("verify", pkg, "--password-stdin", "--password-fd", "0", input=password)
    assert r.exit_code == EXIT_USAGE and "not both" in r.stderr


def test_not_a_package(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"a,b\n")
    r = run("inspect", tmp_path / "x.csv")
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.splitlines()[0] == "handover: error: this is not a handover package"


def test_medium_is_the_option_name_and_media_a_hidden_alias(tmp_path):
    r = run("seal", "--help")
    assert "--medium" in r.stdout and "--media " not in r.stdout
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.txt").write_bytes(b"x")
    with open(tmp_path / "big.bin", "wb") as f:
        f.truncate(800_000_000)
    for option in ("--medium", "--media"):
        r = run("seal", tmp_path / "big.bin", "--out", tmp_path / "pkg" / "p.hop", option,
                "cd-r", "--notice-dir", tmp_path / "n")
        assert r.exit_code == EXIT_FAILURE and "but a CD-R holds" in r.stderr, option


@pytest.mark.parametrize("how", ["stdin", "fd"])
def test_an_invalid_utf8_password_is_a_clear_error(sealed, tmp_path, how):
    pkg, _, _ = sealed
    bad = b"\xff\xfeABCDE-\x80\n"
    if how == "stdin":
        r = run("open", pkg, "--out", tmp_path / "out", "--password-stdin", input=bad)
    else:
        read, write = os.pipe()
        os.write(write, bad)
        os.close(write)
        try:
            r = run("open", pkg, "--out", tmp_path / "out", "--password-fd", read)
        finally:
            os.close(read)
    assert r.exit_code == EXIT_USAGE, r.output
    assert "the password is not valid UTF-8 text" in r.stderr
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception,
                                                                           SystemExit)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("command", ["inspect", "verify", "open"])
def test_a_fifo_is_refused_without_hanging(tmp_path, command):
    import threading
    fifo = tmp_path / "p.hop"
    os.mkfifo(fifo)
    result = {}
    args = {"inspect": ["inspect", fifo],
            "verify": ["verify", fifo, "--password-stdin"],
            "open": ["open", fifo, "--out", tmp_path / "out", "--password-stdin"]}[command]
    from crypto import generate_password
    password = generate_password().reveal()
    worker = threading.Thread(target=lambda: result.update(r=run(*args, input=password)),
                              daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the hung reader so the test run can end
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        pytest.fail(f"package {command} hangs on a FIFO")
    r = result["r"]
    assert r.exit_code == EXIT_FAILURE, r.output
    assert r.stderr.splitlines()[0] == ("handover: error: p.hop is a FIFO (named pipe), not a "
                                        "package file")


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "d.hop").mkdir()
    r = run("inspect", tmp_path / "d.hop")
    assert r.exit_code != 0 and "is a directory" in r.stderr


@pytest.mark.parametrize("case", ["wrong-password", "header", "exists-later"])
def test_a_refused_open_leaves_no_directory_behind(sealed, tmp_path, case):
    pkg, password, _ = sealed
    out = tmp_path / "new" / "deeper" / "out"
    if case == "wrong-password":
        from crypto import generate_password
        password = generate_password().reveal()
    elif case == "header":
        _damage(pkg, "header")
    else:
        _damage(pkg, "chunk")  # fails only after the directory had to exist
    r = run("open", pkg, "--out", out, "--password-stdin", input=password)
    assert r.exit_code != 0
    assert sorted(os.listdir(tmp_path)) == ["p.hop", "src"]


def test_open_reports_part_files_swept_from_an_earlier_crash(sealed, tmp_path, monkeypatch):
    from crypto import placement
    pkg, password, files = sealed
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".0123456789abcdef.handover-part"
    stale.write_bytes(b"plaintext a killed run left")
    os.utime(stale, (1, 1))  # long ago
    r = run("open", pkg, "--out", out, "--password-stdin", input=password)
    assert r.exit_code == 0, r.stderr
    assert ("handover: warning: removed .0123456789abcdef.handover-part from "
            f"{out}: a part file left by an interrupted package open or seal") in r.stderr
    assert sorted(os.listdir(out)) == sorted(files)


@pytest.mark.parametrize("params,message", [
    ((24 * 1024, 145, 4), "handover: error: the package asks for more password-KDF work than "
                          "handover writes (iterations 145 > 144; memory x passes 3,563,520 > "
                          "3,538,944): it may be hostile, so it was not run"),
    ((256 * 1024, 128, 16), "handover: error: the package asks for 16 Argon2 lanes; this tool "
                            "accepts 1 to 8"),
])
def test_a_hostile_or_suspicious_kdf_is_refused_at_once(sealed, tmp_path, params, message):
    from crypto import KdfParams
    from tests.crypto.test_kdf import _with_kdf
    pkg, password, _ = sealed
    _with_kdf(pkg, KdfParams(*params))
    r = run("open", pkg, "--out", tmp_path / "out", "--password-stdin", input=password)
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.splitlines()[0] == message
    assert r.stderr.splitlines()[1].startswith("handover: hint: ")
    assert not (tmp_path / "out").exists()


def _notice_of(r) -> Path:
    assert r.exit_code == 0, r.stderr
    return Path([ln for ln in r.stdout.splitlines()
                 if ln.startswith("password notice: ")][0].split()[2])


def test_the_notice_says_where_to_get_the_opener_from_the_setting(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.txt").write_bytes(b"x")
    seal_args = ("seal", tmp_path / "a.txt", "--notice-dir", tmp_path / "n")
    monkeypatch.delenv("HANDOVER_OPENER_SOURCE", raising=False)
    text = re.sub(r"\s+", "", pdf_text(_notice_of(run(*seal_args, "--out",
                                                      tmp_path / "pkg" / "a.hop"))))
    assert "handoverプログラムの入手先：区の担当者" in text
    monkeypatch.setenv("HANDOVER_OPENER_SOURCE", "  https://www.city.example.lg.jp/handover ")
    text = re.sub(r"\s+", "", pdf_text(_notice_of(run(*seal_args, "--out",
                                                      tmp_path / "pkg" / "b.hop"))))
    assert "handoverプログラムの入手先：https://www.city.example.lg.jp/handover" in text
    assert "handoverpackageopen" in text
    # Too long for the paper: said before anything is sealed.
    monkeypatch.setenv("HANDOVER_OPENER_SOURCE", "x" * 201)
    r = run(*seal_args, "--out", tmp_path / "pkg" / "c.hop")
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.startswith("handover: error: HANDOVER_OPENER_SOURCE is 201 characters long")
    assert "handover: hint: " in r.stderr
    assert not (tmp_path / "pkg" / "c.hop").exists()


def test_open_says_which_count_it_prints(sealed, tmp_path):
    pkg, password, _ = sealed
    r = run("verify", pkg, "--password-stdin", input=password)
    assert r.exit_code == 0, r.stderr
    assert ("residents.csv: 160,008 bytes, 40,001 CSV records (a header line counted, if there "
            "is one: the package does not say)") in r.stdout


def test_seal_without_csv_header_counts_every_record_as_data(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "a.csv").write_bytes(b"1,2\n3,4\n")
    (tmp_path / "empty.csv").write_bytes(b"")
    for flag, records, header in (("--no-csv-header", 2, False), (None, 1, True)):
        out = tmp_path / "pkg" / f"{flag or 'header'}.hop"
        r = run("seal", tmp_path / "a.csv", tmp_path / "empty.csv", "--out", out,
                "--notice-dir", tmp_path / "n", "--json", *([flag] if flag else []))
        assert r.exit_code == 0, r.stderr
        files = json.loads(r.stdout)["manifest"]["files"]
        assert [(f["rows"], f["header"], f["records"]) for f in files] == \
            [(2, header, records), (0, False, 0)]   # an empty CSV has no header line
        r = run("verify", out, "--password-stdin",
                input=notice_password(Path(json.loads(r.stdout)["notice_path"])))
        assert f"a.csv: 8 bytes, {records} data records (データ件数" in r.stdout
