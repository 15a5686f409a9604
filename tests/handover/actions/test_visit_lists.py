"""Split visit lists (000 受託事業者 6): columns apart, random pairing codes, independent
shuffles, warnings for identifying combinations, PDFs and CSVs, registered items, matching."""

from __future__ import annotations

import json

import pytest

from handover import actions, label_codes, reports
from handover.csv_files import BadRows
from handover.errors import HandoverError
from handover.model import policy
from handover.visit_lists import (PAIRING, assign_columns, identifying_combinations,
                                  match_lists, read_extract, split)
from tests.handover.support import needs_poppler, pdf_qr_codes, pdf_text, refused

HEADER = "宛名番号,氏名,カナ氏名,生年月日,年齢,性別,郵便番号,住所,方書,電話番号"
SURNAMES = "見本 架空 試験 仮名 例示".split()


def extract_text(rows: int = 60) -> str:
    lines = [HEADER]
    for i in range(rows):
        lines.append(f"{100000 + i},{SURNAMES[i % 5]} {i}子,ミホン {i}コ,1950-0{1 + i % 9}-1{i % 10},"
                     f"{76 - i % 5},{'女' if i % 2 else '男'},160-0022,"
                     f"新宿区新宿{1 + i % 7}丁目{i}番{i % 9 + 1}号,見本ハイツ{100 + i}号室,"
                     f"03-0000-{i:04d}")
    return "\n".join(lines) + "\n"


def write_extract(tmp_path, rows: int = 60, encoding: str = "utf-8-sig", name="extract.csv"):
    path = tmp_path / name
    path.write_bytes(extract_text(rows).replace("\n", "\r\n").encode(encoding))
    return path


def test_default_assignment_is_000s(tmp_path):
    extract = read_extract(write_extract(tmp_path, encoding="cp932"))
    a, b = assign_columns(extract.header)
    assert a == ["住所", "方書"]
    assert b == ["氏名", "カナ氏名", "生年月日", "年齢", "性別", "電話番号"]


def test_pairing_codes_are_random_and_each_list_is_shuffled_on_its_own(tmp_path):
    extract = read_extract(write_extract(tmp_path, rows=200))
    a, b = split(extract, *assign_columns(extract.header))
    codes_a, codes_b = [r[0] for r in a.rows], [r[0] for r in b.rows]
    assert len(set(codes_a)) == 200 and set(codes_a) == set(codes_b)
    assert codes_a != codes_b                         # row n of A is not row n of B
    assert not any(c.replace("-", "").isdigit() and int(c.replace("-", "")) < 1000 for c in codes_a)
    # Nothing in a code comes from the row: the same extract split again gets other codes.
    again, _ = split(extract, *assign_columns(extract.header))
    assert not set(codes_a) & {r[0] for r in again.rows}
    # A's order is not the extract's order.
    assert [r[1] for r in a.rows] != [row[extract.header.index("住所")] for row in extract.rows]


def test_identifying_combinations_are_named():
    assert identifying_combinations(["氏名", "住所"]) == ["氏名+住所"]
    assert identifying_combinations(["氏名", "生年月日", "電話番号"]) == ["氏名+生年月日", "電話番号"]
    assert identifying_combinations(["住所", "生年月日"]) == ["住所+生年月日"]
    assert identifying_combinations(["住所", "方書"]) == []
    assert identifying_combinations(["カナ氏名", "年齢", "性別"]) == []


def test_bad_extract_rows_are_named_by_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(extract_text(5) + "1,見本,ミホン\n\n2,見本\n", encoding="utf-8")
    with pytest.raises(BadRows) as info:
        read_extract(path)
    assert [n for n, _ in info.value.problems] == [7, 9]
    with pytest.raises(HandoverError, match="no column '本籍'"):
        assign_columns(read_extract(write_extract(tmp_path)).header, ["本籍"], ["氏名"])


# --- recorded, on both databases ---------------------------------------------------------------

def do_split(w, **kw):
    kw.setdefault("out_dir", w.tmp / "lists")
    return actions.split_visit_list(w.j, kw.pop("actor", w.hanako), w.case_id,
                                    kw.pop("extract", None) or write_extract(w.tmp), **kw)


def test_split_registers_two_lists_and_stores_no_personal_data(world):
    done = do_split(world, write_csv=True)
    lists = {lst["half"]: lst for lst in done.value.lists}
    assert lists["A"]["columns"] == ["住所", "方書"] and lists["A"]["warnings"] == []
    assert lists["B"]["warnings"] == ["氏名+生年月日", "電話番号"]
    for lst in lists.values():
        csv_bytes = open(lst["csv"], "rb").read()
        import hashlib
        assert hashlib.sha256(csv_bytes).hexdigest() == lst["sha256"]
        assert lst["count"] == 60
    registered = reports.visit_lists(world.j, world.case_id)["lists"]
    assert [(r["list_id"], r["half"], r["count"], r["sha256"], r["paired_with"]) for r in registered] \
        == [(lists[h]["list_id"], h, 60, lists[h]["sha256"], lists["B" if h == "A" else "A"]["list_id"])
            for h in "AB"]
    assert registered[0]["holder_person_id"] == world.hanako
    # Only counts, column names and hashes reach the ledger and the projection.
    ledger_text = json.dumps([e.payload for e in world.entries()], ensure_ascii=False)
    snapshot_text = json.dumps(world.snapshot(), ensure_ascii=False, default=str)
    for secret in ("見本 0子", "ミホン 1コ", "新宿区新宿", "見本ハイツ", "03-0000-0001", "1950-01-10"):
        assert secret not in ledger_text and secret not in snapshot_text
    status = reports.status(world.j, world.case_id)["cases"][0]
    assert [lst["list_id"] for lst in status["visit_lists"]] == [lists["A"]["list_id"], lists["B"]["list_id"]]


def test_a_column_on_both_lists_is_refused_and_nothing_is_written(world):
    out = world.tmp / "refused"
    refused(world, policy.COLUMN_ON_BOTH_LISTS, do_split, world, out_dir=out,
            a_columns=["住所", "氏名"], b_columns=["氏名", "カナ氏名"], item="氏名")
    assert not out.exists()


def test_a_column_assignment_file(world):
    conf = world.tmp / "cols.toml"
    conf.write_text('[lists]\na = ["住所", "方書", "郵便番号"]\nb = ["カナ氏名", "年齢"]\n', encoding="utf-8")
    done = do_split(world, columns_file=conf)
    assert [lst["columns"] for lst in done.value.lists] == [["住所", "方書", "郵便番号"], ["カナ氏名", "年齢"]]
    assert [lst["warnings"] for lst in done.value.lists] == [[], []]


def test_only_the_roster_on_a_designated_computer(world):
    refused(world, policy.NOT_ON_ROSTER, do_split, world, actor=world.outsider)
    world.j.host = "home-laptop"
    refused(world, policy.WORKSTATION_NOT_REGISTERED, do_split, world)


def test_match_proves_the_split_lossless(world, tmp_path):
    extract = write_extract(world.tmp, rows=40, encoding="cp932")
    done = do_split(world, extract=extract, write_csv=True)
    a, b = (lst["csv"] for lst in done.value.lists)
    m = match_lists(a, b, extract)
    assert (m.matched, m.only_in_a, m.only_in_b, m.lossless) == (40, [], [], True)
    assert m.a_columns == ["住所", "方書"]
    # A row lost from B, or a cell changed, is found.
    lines = open(b, encoding="utf-8-sig").read().splitlines()
    short = tmp_path / "b-short.csv"
    short.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    m = match_lists(a, short, extract)
    assert len(m.only_in_a) == 1 and m.lossless is False
    changed = tmp_path / "b-changed.csv"
    changed.write_text("\n".join(lines[:-1] + [lines[-1].replace("ミホン", "ミボン")]) + "\n",
                       encoding="utf-8")
    m = match_lists(a, changed, extract)
    assert m.matched == 40 and m.lossless is False
    with pytest.raises(HandoverError, match=f"first column is not {PAIRING}"):
        match_lists(extract, b)


@needs_poppler
def test_the_lists_print_large_japanese_with_their_label(world, tmp_path):
    done = do_split(world, label_key_path=world.label_key)
    a, b = done.value.lists
    text = pdf_text(a["pdf"])
    for expected in ("訪問リストA", a["list_id"], "照合番号", "住所", "方書", "見本ハイツ",
                     "このリストだけでは個人を識別できません"):
        assert expected in text, expected
    assert "氏名" not in text and "ミホン" not in text
    text_b = pdf_text(b["pdf"])
    assert "訪問リストB" in text_b and "ミホン" in text_b and "新宿区新宿" not in text_b
    key = label_codes.load_key(world.label_key)
    assert label_codes.label_payload(a["list_id"], key) in pdf_qr_codes(
        __import__("pathlib").Path(a["pdf"]), tmp_path / "qr")


def test_match_refuses_two_copies_of_one_half(world):
    done = do_split(world, write_csv=True)
    a = done.value.lists[0]["csv"]
    with pytest.raises(HandoverError, match="not the two halves of one split"):
        match_lists(a, a)


def test_history_of_a_list(world):
    a, b = do_split(world).value.lists
    entries = reports.history(world.j, a["list_id"])["entries"]
    assert [e["summary"] for e in entries] == [
        f"visit list A {a['list_id']} made: 60 row(s) [住所, 方書], pairs with {b['list_id']}, "
        f"sha256 {a['sha256']}",
        f"visit list B {b['list_id']} made: 60 row(s) [氏名, カナ氏名, 生年月日, 年齢, 性別, 電話番号], "
        f"pairs with {a['list_id']}, sha256 {b['sha256']}"]
