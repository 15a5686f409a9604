"""C2SP signed notes and tlog-checkpoints against golang.org/x/mod and the C2SP spec.

Vectors live in tests/vectors/note/ (see its README for sources).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError, VerificationError
from ledger.note import (Checkpoint, Verifier, generate_signer, open_note,
                         parse_checkpoint, parse_signer_key, parse_verifier_key, sign_note,
                         sign_own_checkpoint, signer_key_string, verifier_key_string)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "note"
GO = json.loads((VECTORS / "golang_mod_note.json").read_text())
CHECKPOINTS = json.loads((VECTORS / "checkpoints.json").read_text())
TEXT = GO["text"]
PETER = parse_verifier_key(GO["peter_verifier_key"])
ENOCH = parse_verifier_key(GO["enoch_verifier_key"])
PETER_SIGNER = parse_signer_key(GO["peter_signer_key"])


def _fails(note: str, verifiers, failure: str) -> VerificationError:
    with pytest.raises(VerificationError) as e:
        open_note(note, verifiers)
    assert e.value.failure == failure, e.value.message
    return e.value


# Keys ----------------------------------------------------------------------

def test_go_keys_parse_and_round_trip():
    assert (PETER.name, PETER.key_hash) == ("PeterNeumann", 0xC74F20A3)
    assert (ENOCH.name, ENOCH.key_hash) == ("EnochRoot", 0xAF0CFE78)
    assert PETER_SIGNER.verifier() == PETER
    assert verifier_key_string(PETER) == GO["peter_verifier_key"]
    assert verifier_key_string(PETER_SIGNER) == GO["peter_verifier_key"]
    assert signer_key_string(PETER_SIGNER) == GO["peter_signer_key"]


def test_generated_keys_round_trip():
    signer = generate_signer("example.com/ward-7")
    assert parse_verifier_key(verifier_key_string(signer)) == signer.verifier()
    again = parse_signer_key(signer_key_string(signer))
    assert (again.name, again.key_hash) == (signer.name, signer.key_hash)
    assert again.verifier() == signer.verifier()


def _manglings(key: str):
    """As TestNewVerifier/TestNewSigner: every proper substring, every byte +1."""
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                yield key[i:j]
    for i in range(len(key)):
        yield key[:i] + chr(ord(key[i]) + 1) + key[i + 1:]


def test_mangled_verifier_keys_are_rejected():
    keys = list(_manglings(GO["peter_verifier_key"])) + list(GO["bad_verifier_keys"].values())
    for key in keys:
        with pytest.raises(LedgerError):
            parse_verifier_key(key)


def test_mangled_signer_keys_are_rejected():
    for key in _manglings(GO["peter_signer_key"]):
        with pytest.raises(LedgerError):
            parse_signer_key(key)


def test_secrets_stay_out_of_errors_and_repr():
    secret = GO["peter_signer_key"].rsplit("+", 1)[1]
    with pytest.raises(LedgerError) as e:
        parse_signer_key(GO["peter_signer_key"][:-2] + "xx")
    assert secret[:20] not in e.value.message
    assert secret[:20] not in repr(PETER_SIGNER) and "c74f20a3" in repr(PETER_SIGNER)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\nb"])
def test_invalid_key_names(name):
    with pytest.raises(LedgerError):
        generate_signer(name)


def test_verifier_must_match_its_key_id():
    with pytest.raises(LedgerError, match="does not match"):
        Verifier("PeterNeumann", PETER.key_hash ^ 1, PETER.public_key)


# Signing and opening -------------------------------------------------------

def test_sign_note_reproduces_go_signature():
    assert sign_note(TEXT, PETER_SIGNER) == GO["signed_note"]


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 2**64 - 1), root=st.binary(min_size=32, max_size=32),
       log=st.from_regex(r"[a-z0-9._-]{1,64}", fullmatch=True))
def test_own_checkpoint_text_is_the_general_signed_note(size, root, log):
    # The writer's per-transaction shortcut must give byte for byte what sign_note gives,
    # with the Go vector key and a generated one (Ed25519 signatures are deterministic).
    for signer in (PETER_SIGNER, generate_signer("ward-tokyo")):
        origin = "handover/" + log
        expected = sign_note(Checkpoint(origin, size, root).body(), signer)
        assert sign_own_checkpoint(origin, size, root, signer) == expected
        assert open_note(expected, [signer.verifier()])[0] == Checkpoint(origin, size, root).body()


def test_open_note_accepts_go_note():
    assert open_note(GO["signed_note"], [PETER]) == (TEXT, ["PeterNeumann"])


def test_open_note_ignores_unknown_keys():
    note = TEXT + "\n" + GO["peter_signature_line"] + GO["enoch_signature_line"]
    assert open_note(note, [PETER]) == (TEXT, ["PeterNeumann"])
    assert open_note(note, [ENOCH]) == (TEXT, ["EnochRoot"])
    assert open_note(note, [ENOCH, PETER, ENOCH]) == (TEXT, ["PeterNeumann", "EnochRoot"])
    assert open_note(note + GO["peter_signature_line"], [PETER]) == (TEXT, ["PeterNeumann"])


def test_unknown_key_only():
    e = _fails(GO["signed_note"], [ENOCH], "signature")
    assert "PeterNeumann+c74f20a3" in e.message and "none of these keys is trusted" in e.message


def test_no_trusted_keys_given():
    assert "no trusted keys" in _fails(GO["signed_note"], [], "signature").message


def test_wrong_key_with_same_name():
    impostor = generate_signer("PeterNeumann")
    e = _fails(sign_note(TEXT, impostor), [PETER], "signature")
    assert "another key ID" in e.hint


def test_invalid_signature_by_trusted_key():
    e = _fails(GO["invalid_signature_note"], [PETER], "signature")
    assert "PeterNeumann+c74f20a3 is invalid" in e.message


def test_altered_body():
    note = GO["signed_note"].replace("cryptography", "cryptograpHy")
    assert "invalid" in _fails(note, [PETER], "signature").message


def test_altered_signature():
    line = GO["peter_signature_line"]
    name, b64 = line[2:-1].split(" ")
    raw = bytearray(base64.b64decode(b64))
    raw[10] ^= 1  # inside the Ed25519 signature, after the 4-byte key ID
    note = TEXT + "\n\u2014 " + name + " " + base64.b64encode(raw).decode() + "\n"
    _fails(note, [PETER], "signature")


def test_bad_signature_from_trusted_key_rejects_even_if_another_verifies():
    # The spec says clients SHOULD reject the whole note; we do.
    note = GO["invalid_signature_note"] + GO["enoch_signature_line"]
    _fails(note, [PETER, ENOCH], "signature")


@pytest.mark.parametrize("name", list(GO["malformed_notes"]))
def test_go_malformed_notes(name):
    _fails(GO["malformed_notes"][name], [PETER], "note-format")


@pytest.mark.parametrize("note", [
    TEXT + GO["peter_signature_line"],                     # missing blank line
    "\udcff" + GO["signed_note"],                          # not UTF-8 (Go's "\xff" case)
    TEXT + "\n" + GO["peter_signature_line"] * 101,        # too many signatures
    TEXT + "\n" + GO["peter_signature_line"].replace("\u2014", "-"),  # hyphen, not em dash
    TEXT + "\n\u2014 PeterNeumann AAAA\n",                 # signature too short for a key ID
    TEXT + "\n\u2014 PeterNeumann not*base64\n",
    TEXT + "\n\u2014 PeterNeumann\n",
], ids=["missing-blank-line", "not-utf8", "101-signatures", "hyphen",
        "short-signature", "bad-base64", "no-signature"])
def test_malformed_notes(note):
    _fails(note, [PETER], "note-format")


@pytest.mark.parametrize("body", ["no final newline", "tab\there\n", "\udcff\n"])
def test_sign_note_rejects_unsignable_text(body):
    with pytest.raises(LedgerError):
        sign_note(body, PETER_SIGNER)


_note_text = st.text(st.characters(min_codepoint=0x20, blacklist_categories=("Cs",))
                     | st.just("\n"))


@settings(max_examples=100, deadline=None)
@given(_note_text)
def test_any_text_round_trips(text):
    signer = PETER_SIGNER
    assert open_note(sign_note(text + "\n", signer), [PETER]) == (text + "\n", ["PeterNeumann"])


# Checkpoints ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(CHECKPOINTS["good"]))
def test_good_checkpoints(name):
    v = CHECKPOINTS["good"][name]
    cp = parse_checkpoint(v["body"])
    assert cp == Checkpoint(v["origin"], v["size"], base64.b64decode(v["root_hash_b64"]),
                            tuple(v["extensions"]))
    assert cp.body() == v["body"]


@pytest.mark.parametrize("name", list(CHECKPOINTS["bad"]))
def test_bad_checkpoints(name):
    with pytest.raises(VerificationError) as e:
        parse_checkpoint(CHECKPOINTS["bad"][name])
    assert e.value.failure == "checkpoint-format"


@pytest.mark.parametrize("args", [
    ("", 1, bytes(32)), ("a\nb", 1, bytes(32)), ("o", -1, bytes(32)), ("o", True, bytes(32)),
    ("o", 2**64, bytes(32)), ("o", 1, bytes(31)), ("o", 1, bytes(32), ("",)),
    ("o", 1, bytes(32), ("a\nb",))])
def test_checkpoint_rejects_invalid_fields(args):
    with pytest.raises(LedgerError):
        Checkpoint(*args)


def test_signed_checkpoint_round_trip():
    signer = generate_signer("example.com/ward-7")
    cp = Checkpoint("example.com/ward-7", 1234, bytes(range(32)), ("note: test",))
    body, names = open_note(sign_note(cp.body(), signer), [signer.verifier()])
    assert (parse_checkpoint(body), names) == (cp, ["example.com/ward-7"])


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(min_size=32, max_size=32))
def test_checkpoint_body_round_trips(size, root):
    cp = Checkpoint("example.com/log", size, root)
    assert parse_checkpoint(cp.body()) == cp
