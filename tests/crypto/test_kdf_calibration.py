"""Calibrating the password KDF to this PC (issue 15 §4): about 1 s, never below the floor,
never above the default that every reader accepts."""

from __future__ import annotations

import pytest

import crypto
from crypto import kdf


def timer_of(seconds_per_pass: float):
    """A PC on which one pass of the default's memory and lanes takes this long."""
    return lambda p: p.iterations * seconds_per_pass


def test_a_pc_slower_than_the_default_assumes_gets_fewer_passes_for_about_one_second():
    params, seconds = kdf.calibrate(timer=timer_of(1 / 96))
    assert params == crypto.KdfParams(kdf.DEFAULT_KDF.memory_kib, 96, kdf.DEFAULT_KDF.lanes)
    assert seconds == pytest.approx(1.0)


def test_a_very_slow_pc_never_goes_below_the_floor():
    params, seconds = kdf.calibrate(timer=timer_of(0.5))
    assert params == kdf.FLOOR_KDF
    assert seconds == pytest.approx(48 * 0.5)   # reported as measured, not hidden


def test_a_fast_pc_never_goes_above_the_default():
    params, _ = kdf.calibrate(timer=timer_of(1e-5))
    assert params == kdf.DEFAULT_KDF


@pytest.mark.parametrize("per_pass", [1e-5, 1 / 500, 1 / 96, 1 / 50, 0.5])
def test_every_calibration_is_one_that_package_open_accepts_on_another_pc(per_pass):
    params, _ = kdf.calibrate(timer=timer_of(per_pass))
    kdf.check_params(params)
    kdf.check_not_above_default(params)   # open refuses only what is above the default
    kdf.check_calibrated(params)


@pytest.mark.parametrize("params, problem", [
    (crypto.KdfParams(24 * 1024, 47, 4), "47 passes"),
    (crypto.KdfParams(24 * 1024, 145, 4), "145 passes"),
    (crypto.KdfParams(8 * 1024, 96, 4), "8192 KiB"),
    (crypto.KdfParams(24 * 1024, 96, 1), "1 lanes"),
])
def test_parameters_outside_floor_and_default_are_not_a_calibration(params, problem):
    with pytest.raises(crypto.FormatError, match=problem):
        kdf.check_calibrated(params)


def test_the_floor_is_a_third_of_the_default_work_with_the_same_memory():
    assert kdf.FLOOR_KDF.memory_kib == kdf.DEFAULT_KDF.memory_kib
    assert kdf.FLOOR_KDF.lanes == kdf.DEFAULT_KDF.lanes
    assert kdf.FLOOR_KDF.iterations * 3 == kdf.DEFAULT_KDF.iterations


def test_a_package_sealed_at_the_floor_opens(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("番号\n1\n", encoding="utf-8")
    password = crypto.generate_password()
    sealed = crypto.seal_package([src], tmp_path / "a.hop", password, package_id="P-TEST",
                                 kdf_params=kdf.FLOOR_KDF)
    assert crypto.inspect_package(sealed.path).kdf == kdf.FLOOR_KDF
    manifest = crypto.open_package(sealed.path, tmp_path / "out", password.reveal())
    assert [f.name for f in manifest.files] == ["a.csv"]
