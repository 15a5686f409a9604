"""The manifest rules of docs/package-format.md §8: everything the spec forbids is refused,
both by the decoder and end to end by open_package (a hostile sealer can authenticate any
manifest, so authenticated is not well-formed)."""

from __future__ import annotations

import json

import pytest

from crypto import FormatError, open_package, verify_package
from crypto import manifest as mf
from tests.crypto.conftest import replace_manifest, seal

SHA = "ab" * 32


def manifest_doc(**changes) -> dict:
    doc = {"created": "2025-04-01T09:30:00Z",
           "files": [{"name": "a.csv", "rows": 1, "sha256": SHA, "size": 4},
                     {"name": "b.txt", "rows": None, "sha256": SHA, "size": 1}],
           "format": "handover-manifest", "package_id": "P-TEST", "version": 1}
    doc.update(changes)
    return doc


def encoded(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def with_file_change(index: int, **changes) -> dict:
    doc = manifest_doc()
    doc["files"][index].update(changes)
    for key, value in changes.items():
        if value is _DROP:
            del doc["files"][index][key]
    return doc


_DROP = object()

DEFECTS = [
    ("csv-rows-null", encoded(with_file_change(0, rows=None)),
     "the row count of 'a.csv' is not a non-negative integer (a .csv file needs one)"),
    ("csv-rows-missing", encoded(with_file_change(0, rows=_DROP)), "file entry 1 has no rows"),
    ("txt-rows-missing", encoded(with_file_change(1, rows=_DROP)), "file entry 2 has no rows"),
    ("txt-rows-integer", encoded(with_file_change(1, rows=1)),
     "'b.txt' has a row count but is not a .csv file (rows must be null)"),
    ("csv-rows-negative", encoded(with_file_change(0, rows=-1)), "row count of 'a.csv'"),
    ("csv-rows-float", encoded(with_file_change(0, rows=1.0)), "row count of 'a.csv'"),
    ("csv-rows-bool", encoded(with_file_change(0, rows=True)), "row count of 'a.csv'"),
    ("csv-header-string", encoded(with_file_change(0, header="yes")),
     "the header of 'a.csv' is not true or false on a .csv file"),
    ("csv-header-integer", encoded(with_file_change(0, header=1)), "the header of 'a.csv'"),
    ("txt-header", encoded(with_file_change(1, header=False)), "the header of 'b.txt'"),
    ("csv-header-without-records", encoded(with_file_change(0, rows=0, header=True)),
     "'a.csv' has a header line but no records"),
    ("version-true", encoded(manifest_doc(version=True)), "manifest version true"),
    ("version-float", encoded(manifest_doc(version=1.0)), "manifest version 1.0"),
    ("version-string", encoded(manifest_doc(version="1")), 'manifest version "1"'),
    ("created-lower-z", encoded(manifest_doc(created="2025-04-01T09:30:00z")),
     "created is not a UTC time written YYYY-MM-DDTHH:MM:SSZ"),
    ("created-lower-t", encoded(manifest_doc(created="2025-04-01t09:30:00Z")),
     "created is not a UTC time"),
    ("created-short-fields", encoded(manifest_doc(created="2025-4-1T9:30:00Z")),
     "created is not a UTC time"),
    ("created-offset", encoded(manifest_doc(created="2025-04-01T09:30:00+00:00")),
     "created is not a UTC time"),
    ("created-impossible", encoded(manifest_doc(created="2025-02-30T09:30:00Z")),
     "created is not a valid date and time"),
    ("missing-created", encoded({k: v for k, v in manifest_doc().items() if k != "created"}),
     "the manifest has no created"),
    ("missing-version", encoded({k: v for k, v in manifest_doc().items() if k != "version"}),
     "the manifest has no version"),
    ("missing-sha256", encoded(with_file_change(1, sha256=_DROP)), "file entry 2 has no sha256"),
    ("duplicate-top-key", encoded(manifest_doc())[:-1] + b',"version":1}',
     "the key 'version' appears twice"),
    ("duplicate-file-key", encoded(manifest_doc()).replace(b'"size": 4}', b'"size": 4, "size": 4}'),
     "the key 'size' appears twice"),
    ("bom", b"\xef\xbb\xbf" + encoded(manifest_doc()), "it starts with a byte order mark"),
    ("nan", encoded(manifest_doc()).replace(b'"size": 1', b'"size": NaN'),
     "NaN is not a JSON number"),
    ("infinity", encoded(manifest_doc()).replace(b'"size": 1', b'"size": -Infinity'),
     "-Infinity is not a JSON number"),
    ("not-utf8", encoded(manifest_doc()).replace(b"b.txt", b"b\xff.txt"), "not UTF-8"),
    ("not-json", b"{", "not JSON"),
]


@pytest.mark.parametrize("plain,detail", [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_decoder_refuses_what_the_spec_forbids(plain, detail):
    with pytest.raises(FormatError) as e:
        mf.decode(plain)
    assert e.value.message.startswith("the package manifest is invalid: ")
    assert detail in e.value.message


def test_the_reference_manifest_and_unknown_keys_are_accepted():
    doc = manifest_doc(extra={"anything": [1, 2]})
    doc["files"][0]["future"] = "ignored"
    doc["files"].append({"name": "C.CSV", "rows": 0, "sha256": SHA, "size": 0})
    m = mf.decode(encoded(doc))
    assert [(f.name, f.rows) for f in m.files] == [("a.csv", 1), ("b.txt", None), ("C.CSV", 0)]


def test_header_says_how_many_records_are_data():
    doc = manifest_doc()
    doc["files"][0]["header"] = True
    doc["files"][1]["header"] = None          # null on a non-CSV, as if absent
    doc["files"].append({"name": "c.csv", "rows": 3, "header": False, "sha256": SHA, "size": 6})
    doc["files"].append({"name": "d.csv", "rows": 3, "sha256": SHA, "size": 6})  # sealed before
    m = mf.decode(encoded(doc))
    assert [(f.header, f.records) for f in m.files] == \
        [(True, 0), (None, None), (False, 3), (None, None)]
    # Written back: the key only where it was known.
    assert [("header" in f) for f in m.as_dict()["files"]] == [True, False, True, False]


def seal_matching(tmp_path, seed: str):
    """A package whose real files match manifest_doc(): a.csv (4 bytes) and b.txt (1)."""
    return seal(tmp_path, {"a.csv": b"x,y\n", "b.txt": b"z"}, seed=seed)


def consistent(plain: bytes, sealed) -> bytes:
    """Put the package's real SHA-256s in, so that only the defect is wrong."""
    return (plain.replace(SHA.encode(), sealed.manifest.files[0].sha256.encode(), 1)
            .replace(SHA.encode(), sealed.manifest.files[1].sha256.encode(), 1))


@pytest.mark.parametrize("case", ["csv-rows-null", "txt-rows-integer", "csv-rows-missing",
                                  "version-true", "version-float", "created-lower-z",
                                  "duplicate-top-key"])
def test_open_refuses_each_defect_end_to_end(tmp_path, case):
    plain = dict((d[0], d[1]) for d in DEFECTS)[case]
    pkg, pw, sealed = seal_matching(tmp_path, "defect")
    replace_manifest(pkg, "defect", consistent(plain, sealed))
    with pytest.raises(FormatError, match="the package manifest is invalid"):
        open_package(pkg, tmp_path / "out", pw)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_forging_helper_itself_yields_an_opening_package(tmp_path):
    pkg, pw, sealed = seal(tmp_path, {"a.csv": b"x,y\n", "b.txt": b"z"}, seed="defect")
    replace_manifest(pkg, "defect", mf.encode(sealed.manifest))
    assert verify_package(pkg, pw) == sealed.manifest


def test_a_row_count_that_does_not_match_the_file_is_refused(tmp_path):
    pkg, pw, sealed = seal(tmp_path, {"a.csv": b"x,y\n1,2\n", "b.txt": b"z"}, seed="rows")
    f = sealed.manifest.files
    lying = mf.Manifest(sealed.package_id, sealed.manifest.created,
                        (mf.FileEntry(f[0].name, f[0].size, f[0].sha256, 3), f[1]))
    replace_manifest(pkg, "rows", mf.encode(lying))
    with pytest.raises(FormatError) as e:
        open_package(pkg, tmp_path / "out", pw)
    assert e.value.message == "a.csv has 2 rows but the manifest says 3"
    assert not (tmp_path / "out").exists()  # not even the directory it created


# --- row counts (§8): the definition a second reader must reproduce -----------------------

def count_rows(data: bytes) -> int:
    from crypto.rows import RowCounter
    counter = RowCounter()
    counter.update(data)
    return counter.finish()


@pytest.mark.parametrize("separator", [b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x85",
                                       "\u2028".encode(), "\u2029".encode()])
def test_only_cr_and_lf_end_a_record(separator):
    """str.splitlines() would split at each of these; the csv module on a newline="" file
    does not, and Shift_JIS text contains such bytes."""
    assert count_rows(b"a" + separator + b"b,c\r\n\"q" + separator + b"\"\n3\r") == 3


def test_no_field_size_limit():
    """csv.field_size_limit() (131072 by default) does not apply: a longer field is counted,
    quoted or not, with line breaks inside or not."""
    big = 200_000
    assert count_rows(b'"' + b"x" * big + b'"\n2\n') == 2
    assert count_rows(b"x" * big + b"\n2\n") == 2
    assert count_rows(b'"' + b"x\r\n" * big + b'",1\n2\n') == 2
