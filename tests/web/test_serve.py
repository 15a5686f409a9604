"""`handover serve`: loopback by default; anything else only with TLS."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from cli.serve import is_loopback, parse_listen


@pytest.mark.parametrize("listen", ["0.0.0.0:8700", "10.1.2.3:8443", "ward-pc:8443", "[::]:8700"])
def test_a_non_loopback_listen_without_tls_is_refused(listen, tmp_path):
    r = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "serve",
                                  "--listen", listen])
    assert r.exit_code == 1
    assert "refusing to serve" in r.output and "without TLS" in r.output
    assert "hint: pass --cert and --key" in r.output
    assert "Traceback" not in r.output


def test_cert_without_key_is_refused(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    r = CliRunner().invoke(main, ["serve", "--listen", "10.1.2.3:8443", "--cert", str(cert)])
    assert r.exit_code == 1 and "--cert and --key go together" in r.output


def test_a_bad_listen_is_refused():
    r = CliRunner().invoke(main, ["serve", "--listen", "8700"])
    assert r.exit_code == 1 and "is not HOST:PORT" in r.output


def test_loopback_names():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "ward-pc"))
    assert parse_listen("[::1]:8700") == ("::1", 8700)


def test_a_missing_database_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "serve"])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "none.db" in r.output
