"""This PC's calibrated password KDF (issue 15 §4): written by `init --calibrate-kdf`, read by
every seal, recorded in each PackageSealed entry; a damaged or hand-edited file is a clear
error before any work, never a silent fallback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import crypto
from cli.main import main
from handover import actions, kdf_settings
from handover.errors import HandoverError


def per_pass(seconds: float):
    return lambda p: p.iterations * seconds


def test_calibration_is_written_and_read_back(tmp_path, monkeypatch):
    path = tmp_path / "kdf.json"
    cal = kdf_settings.calibrate(path, timer=per_pass(1 / 72))
    assert cal.params.iterations == 72
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["kdf"] == {"name": "argon2id", "memory_kib": 24 * 1024, "iterations": 72,
                             "lanes": 4}
    assert stored["seconds"] == pytest.approx(1.0) and stored["host"] and stored["measured_at"]
    assert kdf_settings.sealing_kdf(path) == cal.params
    monkeypatch.setenv(kdf_settings.ENV_KDF_FILE, str(path))
    assert kdf_settings.sealing_kdf() == cal.params


def test_without_a_calibration_seals_use_the_default(tmp_path):
    assert kdf_settings.sealing_kdf(tmp_path / "none.json") == crypto.DEFAULT_KDF


@pytest.mark.parametrize("iterations", [47, 145])
def test_a_hand_edited_calibration_outside_floor_and_default_is_refused(tmp_path, iterations):
    path = tmp_path / "kdf.json"
    kdf_settings.calibrate(path, timer=per_pass(1 / 96))
    body = json.loads(path.read_text())
    body["kdf"]["iterations"] = iterations
    path.write_text(json.dumps(body))
    with pytest.raises(HandoverError, match=f"{path}.*{iterations} passes.*outside") as e:
        kdf_settings.sealing_kdf(path)
    assert "--calibrate-kdf" in e.value.hint


@pytest.mark.parametrize("text", ["", "[]", '{"kdf": {"name": "scrypt"}}',
                                  '{"kdf": {"name": "argon2id", "memory_kib": "24576", '
                                  '"iterations": 96, "lanes": 4}}'])
def test_a_damaged_calibration_is_a_clear_error(tmp_path, text):
    path = tmp_path / "kdf.json"
    path.write_text(text)
    with pytest.raises(HandoverError, match="not a KDF calibration"):
        kdf_settings.sealing_kdf(path)


def test_a_seal_uses_and_records_this_pcs_calibration(world, tmp_path, monkeypatch):
    path = tmp_path / "kdf.json"
    kdf_settings.calibrate(path, timer=per_pass(1.0))   # a slow PC: the floor
    monkeypatch.setenv(kdf_settings.ENV_KDF_FILE, str(path))
    src = tmp_path / "extract.csv"
    src.write_text("番号\n1\n", encoding="utf-8")
    s = actions.seal_extract(world.j, world.taro, world.case_id, [src], medium_kind="dvd-r",
                             content="見本データ", out_dir=tmp_path / "out",
                             notice_dir=tmp_path / "notices")
    assert crypto.inspect_package(s.package_path).kdf == crypto.FLOOR_KDF
    sealed = [e for e in world.entries() if e.kind == "PackageSealed"][-1]
    assert sealed.payload["kdf"] == crypto.FLOOR_KDF.as_dict()


def test_a_seal_with_a_damaged_calibration_writes_and_records_nothing(world, tmp_path,
                                                                      monkeypatch):
    path = tmp_path / "kdf.json"
    path.write_text("{")
    monkeypatch.setenv(kdf_settings.ENV_KDF_FILE, str(path))
    src = tmp_path / "extract.csv"
    src.write_text("番号\n1\n", encoding="utf-8")
    before = world.size()
    with pytest.raises(HandoverError, match="not a KDF calibration"):
        actions.seal_extract(world.j, world.taro, world.case_id, [src], medium_kind="dvd-r",
                             content="見本データ", out_dir=tmp_path / "out",
                             notice_dir=tmp_path / "notices")
    assert world.size() == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "notices").exists()


def test_init_calibrate_kdf_measures_this_pc_and_writes_the_file(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr("handover.actions.credentials.CREDENTIAL_KDF",
                        crypto.KdfParams(memory_kib=64, iterations=1, lanes=1))
    monkeypatch.setattr("crypto.kdf.measure", per_pass(1 / 120))
    secret = tmp_path / "pass.txt"
    secret.write_text("見本の合言葉 correct horse battery\n", encoding="utf-8")
    path = tmp_path / "pc" / "kdf.json"
    path.parent.mkdir()
    env = {"HANDOVER_NEW_PASSPHRASE_FILE": str(secret), "HANDOVER_KDF_FILE": str(path)}
    base = ["--db", db_url, "--key", str(tmp_path / "log.key"), "--log", "ward"]
    runner = CliRunner()
    assert runner.invoke(main, [*base, "ledger", "keygen"], env=env).exit_code == 0
    r = runner.invoke(main, [*base, "init", "--ward", "健康部", "--staff", "見本 太郎",
                             "--calibrate-kdf", "--json"], env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    cal = json.loads(r.stdout)["kdf_calibration"]
    assert cal["kdf"]["iterations"] == 120 and cal["path"] == str(path)
    assert kdf_settings.sealing_kdf(path).iterations == 120
