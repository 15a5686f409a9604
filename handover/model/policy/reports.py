"""Reports from the contractor back to the ward (004 受託事業者 6): 区への報告等で個人情報を
含むデータを作成する必要がある場合は、暗号化を行い、…パスワード通知書の受渡しは、それぞれ別の
機会を設定し、手渡しで行わせる.

The contractor seals them on its own designated computer; medium and notice reach the ward
as 'report' handovers, by hand, on separate occasions (the rules of handovers.py apply too).
"""

from __future__ import annotations

from handover.model import events as ev
from handover.model.policy.rules import (REPORT_BY_CONTRACTOR, REPORT_BY_HAND, REPORT_MOMENT,
                                         refuse)
from handover.model.state import Row, State


def require_report_sealer(st: State, case: Row, person_id: str) -> None:
    """A report is sealed by the contractor's side of the case; the ward's own data goes out
    with `seal`, not as a report."""
    person = st.person(person_id)
    if st.is_ward(person.org_id) or person.org_id not in st.case_orgs(case.case_id):
        raise refuse(REPORT_BY_CONTRACTOR, person_id,
                      f"{st.label(person_id)} is not of a contractor of case {case.name} "
                      f"({case.case_id}); a report to the ward is sealed by the contractor",
                      f"{person.name} は業務「{case.name}」の委託先の者ではありません。"
                      "区への報告データは委託先が暗号化します",
                      "ward staff seal the ward's own data with `handover seal` (no --report); "
                      "run this as a rostered handler of the contractor")


def require_report_medium(medium_kind: str) -> None:
    """An LGWAN file cannot be handed over in person, and a report goes by hand only."""
    if medium_kind == "lgwan":
        raise refuse(REPORT_BY_HAND, medium_kind,
                      "a report to the ward is handed over in person, so it cannot be an LGWAN "
                      "file",
                      "区への報告データは手渡しで納品するため、LGWANファイルにはできません",
                      "choose a physical medium: --medium dvd-r, cd-r, usb, bd-r")


def require_report_method(method: str) -> None:
    if method != ev.HAND:
        raise refuse(REPORT_BY_HAND, method,
                      f"a report's medium and password notice reach the ward by hand, not by "
                      f"{method}",
                      "報告データの媒体とパスワード通知書は、それぞれ別の機会に手渡しで受け渡してください",
                      "bring it in person and record it with --method hand")


def require_report_moment(st: State, item: Row, moment: str) -> None:
    """A report's items move only as a report to the ward; a report carries nothing else."""
    is_report = st.package(item.package_id).report
    if is_report != (moment == ev.REPORT):
        en = (f"{item.item_id} is part of the report {item.package_id} sealed by the contractor; "
              f"it reaches the ward only as a 'report' handover, not '{moment}'") if is_report \
            else (f"{item.item_id} is not part of a report sealed by the contractor; a "
                  "'report' handover carries only those")
        raise refuse(REPORT_MOMENT, item.item_id, en,
                      f"{item.item_id} は" + ("委託先が暗号化した報告データです" if is_report
                                            else "委託先が暗号化した報告データではありません"),
                      "use --moment report for a report's medium and notice, and the other "
                      "moments for the ward's own")
