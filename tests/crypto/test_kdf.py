"""KDF parameters in a package header: the caps (about 10x the default) and the
suspicion of anything above the default, both checked before the KDF runs."""

from __future__ import annotations

import pytest

from crypto import FormatError, WrongPassword, inspect_package, verify_package
from crypto import header as hdr, kdf
from crypto.kdf import DEFAULT_KDF, KdfParams, SuspiciousKdf
from tests.crypto.conftest import seal
from tests.crypto.test_package import open_expect


def _with_kdf(pkg, params):
    """Put `params` in the header, with a fixed checksum (what anyone can do)."""
    h = hdr.parse_header(pkg.read_bytes())
    slot = hdr.PasswordSlot(h.password_slot.salt, params, h.password_slot.wrapped_key)
    raw = hdr.encode_header(chunk_size=h.chunk_size, payload_size=h.payload_size,
                            package_nonce=h.package_nonce, package_id=h.package_id,
                            slots=(slot,), header_key=bytes(32))
    pkg.write_bytes(raw + pkg.read_bytes()[h.length:])


@pytest.mark.parametrize("params,message", [
    (KdfParams(4 * 1024 * 1024, 1, 1), "4096 MiB of memory"),
    (KdfParams(64 * 1024, 1000, 4), "MiB-passes"),
    (KdfParams(256 * 1024, 128, 16), "16 Argon2 lanes"),  # 92 s under the old caps
    (KdfParams(64, 1, 9), "9 Argon2 lanes"),
    (KdfParams(8, 1441, 1), "1441 Argon2 passes"),
    (KdfParams(64, 1, 1000), "lanes"),
    (KdfParams(8, 2**32 - 1, 1), "passes"),
])
def test_hostile_kdf_parameters_are_refused_before_running(tmp_path, params, message):
    """A header asking for 4 GiB or hours of work is refused without running the KDF."""
    pkg, pw, sealed = seal(tmp_path, {"a": b"x"})
    _with_kdf(pkg, params)
    e = open_expect(pkg, pw, tmp_path, FormatError)
    assert message in e.message
    assert inspect_package(pkg).kdf == params  # inspect still shows what it asks for


@pytest.mark.parametrize("params,detail", [
    (KdfParams(DEFAULT_KDF.memory_kib, DEFAULT_KDF.iterations + 1, 4), "iterations 145 > 144"),
    (KdfParams(DEFAULT_KDF.memory_kib + 1, DEFAULT_KDF.iterations, 4), "memory_kib 24,577"),
    (KdfParams(64, 1, 5), "lanes 5 > 4"),
    (KdfParams(48 * 1024, 100, 4), "memory x passes 4,915,200 > 3,538,944"),
])
def test_kdf_above_the_default_is_suspicious_and_never_run(tmp_path, monkeypatch, params,
                                                           detail):
    pkg, pw, _ = seal(tmp_path, {"a": b"x"})
    _with_kdf(pkg, params)
    ran = []
    monkeypatch.setattr(kdf, "derive", lambda *a: ran.append(a) or bytes(32))
    e = open_expect(pkg, pw, tmp_path, SuspiciousKdf)
    assert e.message.startswith("the package asks for more password-KDF work than handover "
                                "writes (") and detail in e.message
    assert e.message.endswith("it may be hostile, so it was not run")
    assert ran == []
    # A caller that knows better may run it (within the caps): here, to a wrong password,
    # since the forged header cannot hold the right wrapped key.
    with pytest.raises(WrongPassword):
        verify_package(pkg, pw, allow_slow_kdf=True)
    assert len(ran) == 1


def test_the_default_itself_is_not_suspicious():
    kdf.check_not_above_default(DEFAULT_KDF)
    kdf.check_params(DEFAULT_KDF)


def test_default_kdf_is_not_weakened():
    from crypto import DEFAULT_KDF
    assert DEFAULT_KDF.memory_kib >= 24 * 1024 and DEFAULT_KDF.iterations >= 100
