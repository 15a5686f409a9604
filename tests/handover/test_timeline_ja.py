"""The case page's timeline (台帳の記録) in Japanese: one line for every kind of entry, naming
people, organisations and cabinets by name, dates in 和暦 beside ISO."""

from __future__ import annotations

import inspect
import re

import ledger
from handover import actions, reports
from handover.model import events as ev
from handover.reports import timeline

_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_every_kind_of_entry_has_a_japanese_line():
    source = inspect.getsource(timeline.summary_ja)
    missing = [cls.KIND for cls in ev.ALL if f"case ev.{cls.__name__}()" not in source]
    assert missing == []


def test_the_timeline_of_a_case_reads_in_japanese(world, sealed):
    w = world
    actions.store_item(w.j, w.jiro, sealed.notice_id, w.notice_cab)
    provided = w.provide(sealed.medium_id)
    actions.confirm_handover(w.j, w.hanako, provided.handover_id, condition="封緘異常なし")
    actions.report_incident(w.j, w.hanako, w.case_id, "other", "封筒の数が合わない")
    every = list(ledger.read_entries(w.j.engine, w.j.log))
    with w.j.reading() as st:
        lines = {e.kind: timeline.summary_ja(st, e) for e in every}
        names = {p: st.name(p) for p in (w.taro, w.hanako, w.contractor, w.notice_cab)}
    for kind, line in lines.items():
        assert line != kind and _KANA_OR_KANJI.search(line), (kind, line)
    assert len(lines) >= 10, sorted(lines)
    handed = lines["HandoverRecorded"]
    assert handed.startswith("提供を記録：") and "手渡し" in handed
    assert names[w.taro] in handed and names[w.hanako] in handed and names[w.contractor] in handed
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\d（\d{4}-\d\d-\d\d \d\d:\d\d）", handed)
    assert lines["ItemStored"] == f"{sealed.notice_id} を{names[w.notice_cab]}に保管"
    assert lines["HandoverConfirmed"] == \
        f"受渡し {provided.handover_id} を{names[w.hanako]}が確認（封緘異常なし）"
    assert re.search(r"契約期間 令和\d+年\d+月\d+日（\d{4}-\d\d-\d\d）〜", lines["CaseOpened"])
    assert "その他" in lines["IncidentReported"] and "封筒の数が合わない" in lines["IncidentReported"]
    # the history report carries it beside the English line the command line prints
    (latest,) = reports.history(w.j, w.case_id, last=1)["entries"]
    assert latest["summary_ja"] == lines["IncidentReported"]
    assert latest["summary"].startswith("incident ")
