"""Every CLI test acts with passphrases from a file, as scripts do (issue 12): the acting
person's through $HANDOVER_PASSPHRASE_FILE, a new credential's through
$HANDOVER_NEW_PASSPHRASE_FILE. Everyone in these tests chose the same passphrase; each has
their own key. Personal keys are wrapped with tiny Argon2id parameters for speed."""

from __future__ import annotations

import pytest

import crypto

PASSPHRASE = "見本の合言葉 correct horse battery"
TINY_KDF = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1)


@pytest.fixture(autouse=True)
def passphrase_file(tmp_path_factory, monkeypatch):
    path = tmp_path_factory.mktemp("secret") / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    monkeypatch.setenv("HANDOVER_PASSPHRASE_FILE", str(path))
    monkeypatch.setenv("HANDOVER_NEW_PASSPHRASE_FILE", str(path))
    monkeypatch.setattr("handover.actions.credentials.CREDENTIAL_KDF", TINY_KDF)
    return path
