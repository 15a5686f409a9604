"""Print logs (004 受託事業者 13): the three layouts in every encoding, bad rows by line with
nothing imported, idempotent imports, totals, excess until a reason, and the 印刷ログ提出書."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions, reports
from handover.clock import JST
from handover.csv_files import BadRows
from handover.errors import HandoverError
from handover.model import policy
from handover.print_log_files import DOCUMENTED, EVENT_307, PAPERCUT, read_print_log
from tests.handover.support import needs_poppler, pdf_text, refused

DOCUMENTED_JA = """印刷元コンピュータ名,印刷日時,印刷ファイル名,印刷先プリンタ名,印刷枚数
PRT-PC01,2026/04/10 9:15:03,接種券_第1便_0001-0100.pdf,見本印刷_大型機1,100
PRT-PC01,2026/04/10 10:02:44,接種券_第1便_0101-0200.pdf,見本印刷_大型機1,100
PRT-PC02,2026/04/10 13:30:00,接種券_刷り直し.pdf,見本印刷_大型機2,3
PRT-PC01,2026/04/11 9:00:00,接種券_第2便_0201-0250.pdf,見本印刷_大型機1,50
"""

DOCUMENTED_EN = """computer,printed_at,file_name,printer,pages
PRT-PC01,2026-04-10T09:15:03+09:00,接種券_第1便_0001-0100.pdf,見本印刷_大型機1,100
PRT-PC03,2026-04-12 08:00,ticket-extra.pdf,PRN-3,"1,200"
"""

# Get-WinEvent -LogName Microsoft-Windows-PrintService/Operational | ? Id -eq 307 |
#   Select-Object TimeCreated,Id,MachineName,Message | Export-Csv print307.csv
EVENT_307_EN = '''#TYPE Selected.System.Diagnostics.Eventing.Reader.EventLogRecord
"TimeCreated","Id","MachineName","Message"
"4/10/2026 9:15:03 AM","307","PRINTSRV01","Document 41, 接種券_第1便_0001-0100.pdf owned by mihon on \\\\PRT-PC01 was printed on 見本印刷_大型機1 through port IP_192.0.2.21.  Size in bytes: 5242880. Pages printed: 100. No user action is required."
"4/10/2026 9:16:10 AM","842","PRINTSRV01","The print job 41 was sent through the print processor winprint on printer 見本印刷_大型機1."
"4/10/2026 1:30:00 PM","307","PRINTSRV01","Document 42, 接種券_刷り直し.pdf owned by mihon on \\\\PRT-PC02 was printed on 見本印刷_大型機2 through port IP_192.0.2.22.  Size in bytes: 40960. Pages printed: 3. No user action is required."
'''

EVENT_307_JA = '''"TimeCreated","Id","MachineName","Message"
"2026/04/10 9:15:03","307","PRINTSRV01","ドキュメント 41, 接種券_第1便_0001-0100.pdf (所有者 mihon) は \\\\PRT-PC01 上の 見本印刷_大型機1 (ポート IP_192.0.2.21) で印刷されました。サイズ (バイト): 5242880、印刷ページ数: 100。ユーザーの操作は必要ありません。"
'''

PAPERCUT_LOG = """PaperCut Print Logger : http://www.papercut.com/
Time,User,Pages,Copies,Printer,Document Name,Client,Paper Size,Language,Height,Width,Duplex,Grayscale,Size
2026-04-10 09:15:03,mihon,50,2,見本印刷_大型機1,接種券_第1便_0001-0100.pdf,PRT-PC01,A4,PCL6,297mm,210mm,NOT DUPLEX,GRAYSCALE,5120kb
2026-04-10 13:30:00,mihon,3,1,見本印刷_大型機2,接種券_刷り直し.pdf,PRT-PC02,A4,PCL6,297mm,210mm,NOT DUPLEX,GRAYSCALE,40kb
"""


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize("encoding,expected", [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"),
                                               ("cp932", "cp932"), ("utf-16", "utf-16")])
def test_documented_layout_in_every_encoding(tmp_path, encoding, expected):
    log = read_print_log(write(tmp_path, "log.csv", DOCUMENTED_JA, encoding))
    assert (log.layout, log.encoding) == (DOCUMENTED, expected)
    assert [j.pages for j in log.jobs] == [100, 100, 3, 50]
    first = log.jobs[0]
    assert (first.computer, first.printer, first.file_name) == \
        ("PRT-PC01", "見本印刷_大型機1", "接種券_第1便_0001-0100.pdf")
    assert first.printed_at == dt.datetime(2026, 4, 10, 9, 15, 3, tzinfo=JST)


def test_the_three_layouts_read_the_same_job_alike(tmp_path):
    documented = read_print_log(write(tmp_path, "a.csv", DOCUMENTED_EN))
    event = read_print_log(write(tmp_path, "b.csv", EVENT_307_EN, "utf-8-sig"))
    event_ja = read_print_log(write(tmp_path, "c.csv", EVENT_307_JA, "cp932"))
    papercut = read_print_log(write(tmp_path, "d.csv", PAPERCUT_LOG))
    assert (event.layout, event_ja.layout, papercut.layout) == (EVENT_307, EVENT_307, PAPERCUT)
    assert event.skipped_events == 1                    # the 842 row is not a print job
    assert [(j.computer, j.printer, j.pages) for j in event.jobs] == \
        [("PRT-PC01", "見本印刷_大型機1", 100), ("PRT-PC02", "見本印刷_大型機2", 3)]
    assert [(j.computer, j.pages) for j in papercut.jobs] == [("PRT-PC01", 100), ("PRT-PC02", 3)]
    assert documented.jobs[1].pages == 1200
    # One job, whichever export carried it, has one content hash.
    assert documented.jobs[0].row_sha256 == event.jobs[0].row_sha256 == \
        event_ja.jobs[0].row_sha256 == papercut.jobs[0].row_sha256


def test_bad_rows_are_named_by_line(tmp_path):
    text = DOCUMENTED_JA + "PRT-PC01,2026/13/40 9:00,x.pdf,P1,5\nPRT-PC01,2026/04/12 9:00,x.pdf,P1,五\n" \
        ",2026/04/12 9:00,x.pdf,P1,5\nPRT-PC01,2026/04/12 9:00\n"
    with pytest.raises(BadRows) as info:
        read_print_log(write(tmp_path, "bad.csv", text, "cp932"))
    e = info.value
    assert [n for n, _ in e.problems] == [6, 7, 8, 9]
    assert "line 6: date and time '2026/13/40 9:00' not understood" in e.message
    assert "line 7: page count '五' is not a whole number" in e.message
    assert "line 8: computer is empty" in e.message
    assert "nothing imported" in e.message and e.hint


def test_unknown_header_and_undecodable_bytes_are_refused_clearly(tmp_path):
    with pytest.raises(HandoverError, match="lacks 印刷日時, 印刷枚数"):
        read_print_log(write(tmp_path, "h.csv", "印刷元コンピュータ名,印刷ファイル名,印刷先プリンタ名\nA,b,c\n"))
    path = tmp_path / "latin.csv"
    path.write_bytes(b"computer,printed_at\n\xff\xfe\xfa\n")
    with pytest.raises(HandoverError, match="neither UTF-8 nor CP932"):
        read_print_log(path)


def test_event_307_with_an_unreadable_message_is_a_bad_row(tmp_path):
    text = '"TimeCreated","Id","Message"\n"2026/04/10 9:00:00","307","something else"\n'
    with pytest.raises(BadRows, match="line 2: the Message is not"):
        read_print_log(write(tmp_path, "e.csv", text))


# --- recorded, on both databases ---------------------------------------------------------------

def allow(w, pages=250):
    return actions.set_print_allowance(w.j, w.taro, w.case_id, pages=pages, basis="接種券 250件")


def test_import_needs_a_designated_count(world):
    path = write(world.tmp, "log.csv", DOCUMENTED_JA)
    refused(world, policy.PRINT_ALLOWANCE_MISSING, actions.import_print_log, world.j, world.hanako,
            world.case_id, path, item=world.case_id)


def test_import_within_allowance_and_idempotent(world):
    allow(world)
    path = write(world.tmp, "log.csv", DOCUMENTED_JA, "utf-8-sig")
    first = actions.import_print_log(world.j, world.hanako, world.case_id, path).value
    assert (first.jobs, first.pages, first.excess, first.printed_total) == (4, 253, 3, 253)
    size = world.size()
    again = actions.import_print_log(world.j, world.hanako, world.case_id, path).value
    assert again.already_imported and again.submission_id == first.submission_id
    # The same jobs re-encoded (another file, another hash) count nothing either.
    cp932 = write(world.tmp, "log-sjis.csv", DOCUMENTED_JA, "cp932")
    recoded = actions.import_print_log(world.j, world.hanako, world.case_id, cp932).value
    assert recoded.submission_id is None and recoded.repeated_jobs == 4
    assert world.size() == size
    # A PaperCut log overlapping by two jobs adds only its new one.
    more = PAPERCUT_LOG + "2026-04-12 10:00:00,mihon,7,1,見本印刷_大型機2,追加.pdf,PRT-PC02,A4,PCL6,,,,,\n"
    third = actions.import_print_log(world.j, world.hanako, world.case_id,
                                     write(world.tmp, "pc.csv", more)).value
    assert (third.jobs, third.repeated_jobs, third.pages, third.excess) == (1, 2, 7, 7)
    data = reports.print_logs(world.j, world.case_id)
    assert data["printed_pages"] == 260
    totals = {(t["computer"], t["printer"], t["day"]): t["pages"]
              for s in data["submissions"] for t in s["totals"]}
    assert totals == {("PRT-PC01", "見本印刷_大型機1", "2026-04-10"): 200,
                      ("PRT-PC02", "見本印刷_大型機2", "2026-04-10"): 3,
                      ("PRT-PC01", "見本印刷_大型機1", "2026-04-11"): 50,
                      ("PRT-PC02", "見本印刷_大型機2", "2026-04-12"): 7}


def test_a_bad_row_imports_nothing(world):
    allow(world)
    size, snap = world.size(), world.snapshot()
    path = write(world.tmp, "bad.csv", DOCUMENTED_JA + "PRT-PC01,2026/04/12 9:00,x.pdf,P1,-1\n")
    with pytest.raises(BadRows, match="line 6"):
        actions.import_print_log(world.j, world.hanako, world.case_id, path)
    assert world.size() == size and world.snapshot() == snap


def test_excess_stays_unexplained_until_the_contractor_reports_why(world):
    allow(world, 200)
    path = write(world.tmp, "log.csv", DOCUMENTED_JA)
    sub = actions.import_print_log(world.j, world.ichiro, world.case_id, path).value
    assert sub.excess == 53
    case = reports.status(world.j, world.case_id)["cases"][0]["print_logs"]
    assert case["excess_unexplained"] == [sub.submission_id]
    # Ward staff do not report the contractor's reason; someone off the roster cannot.
    refused(world, policy.NOT_ON_ROSTER, actions.explain_print_excess, world.j, world.taro,
            sub.submission_id, "刷り直し")
    refused(world, policy.NOT_ON_ROSTER, actions.explain_print_excess, world.j, world.outsider,
            sub.submission_id, "刷り直し")
    actions.explain_print_excess(world.j, world.hanako, sub.submission_id,
                                 "用紙詰まりによる刷り直し 3枚、第2便の前倒し印刷 50枚")
    case = reports.status(world.j, world.case_id)["cases"][0]["print_logs"]
    assert case["excess_unexplained"] == []
    assert case["submissions"][0]["state"] == "excess explained"
    assert case["submissions"][0]["reason"].startswith("用紙詰まり")
    refused(world, policy.ALREADY_EXPLAINED, actions.explain_print_excess, world.j, world.hanako,
            sub.submission_id, "もう一度", item=sub.submission_id)


def test_no_reason_without_an_excess(world):
    allow(world, 1000)
    sub = actions.import_print_log(world.j, world.hanako, world.case_id,
                                   write(world.tmp, "log.csv", DOCUMENTED_JA)).value
    refused(world, policy.NO_EXCESS, actions.explain_print_excess, world.j, world.hanako,
            sub.submission_id, "念のため", item=sub.submission_id)


def test_only_the_roster_or_the_wards_staff_submit(world):
    allow(world)
    refused(world, policy.NOT_ON_ROSTER, actions.import_print_log, world.j, world.outsider,
            world.case_id, write(world.tmp, "log.csv", DOCUMENTED_JA))


def test_allowance_per_sealed_record(world, sealed):
    done = actions.set_print_allowance(world.j, world.taro, world.case_id, per_record=2)
    assert done.value == 20                  # 10 records sealed, one 2-page ticket set each
    data = reports.print_logs(world.j, world.case_id)
    assert data["allowance"]["basis"] == "封入封緘件数 10 件 × 2 枚"
    refused(world, policy.ROLE_REQUIRED, actions.set_print_allowance, world.j, world.hanako,
            world.case_id, pages=5)


@needs_poppler
def test_submission_pdf_shows_totals_excess_reason_and_hash(world, tmp_path):
    allow(world, 200)
    sub = actions.import_print_log(world.j, world.hanako, world.case_id,
                                   write(world.tmp, "log.csv", DOCUMENTED_JA)).value
    before = pdf_text(reports.print_submission(world.j, sub.submission_id, tmp_path))
    assert "超過理由未報告" in before
    actions.explain_print_excess(world.j, world.hanako, sub.submission_id, "用紙詰まりによる刷り直し")
    pdf = reports.print_submission(world.j, sub.submission_id, tmp_path)
    text = pdf_text(pdf)
    for expected in ("印刷ログ提出書", sub.submission_id, sub.sha256, "PRT-PC01", "見本印刷_大型機2",
                     "令和8年4月10日", "2026-04-10", "253 枚", "200 枚", "53 枚",
                     "用紙詰まりによる刷り直し", "架空 花子"):
        assert expected in text, expected
    assert "超過理由未報告" not in text
    (tmp_path / "a-file").write_text("")
    with pytest.raises(HandoverError, match="cannot create the 印刷ログ提出書 directory"):
        reports.print_submission(world.j, sub.submission_id, tmp_path / "a-file" / "pdf")


def test_auditors_see_the_excess_and_history_tells_the_story(world):
    allow(world, 200)
    sub = actions.import_print_log(world.j, world.hanako, world.case_id,
                                   write(world.tmp, "log.csv", DOCUMENTED_JA)).value
    found = [o for o in reports.overrides(world.j) if o.get("submission_id") == sub.submission_id]
    assert found[0]["reason"] == "excess unexplained"
    assert found[0]["rules"][0]["message"] == "53 page(s) beyond the designated count 200"
    actions.explain_print_excess(world.j, world.hanako, sub.submission_id, "刷り直し")
    found = [o for o in reports.overrides(world.j) if o.get("submission_id") == sub.submission_id]
    assert found[0]["reason"] == "刷り直し" and found[0]["recorded_by"] == world.hanako
    story = [e["summary"] for e in reports.history(world.j, sub.submission_id)["entries"]]
    assert story[0].startswith(f"print log {sub.submission_id} imported: 4 job(s), 253 page(s)")
    assert story[1] == f"reason for the excess of {sub.submission_id}: 刷り直し"
