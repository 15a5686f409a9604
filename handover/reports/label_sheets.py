"""QR label sheets for registered items: A4 sheets and 24 mm tape, and the names of item
kinds that labels, 確認書 and status print.

A label carries the item's QR payload (ID and the ward's MAC, handover/label_codes.py), the
human-readable ID, the case name and the item kind; it goes on the case or envelope, never on
the disc surface (documents/labels.py prints that reminder).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from handover import ids
from handover.errors import HandoverError
from handover.files import make_output_dir
from handover.label_codes import LabelKey, label_payload, load_key
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import Row, State

if TYPE_CHECKING:
    from handover.documents import Label

# The PDF renderers (reportlab) are imported where a label is made: `status` and `history`
# use this module only for the names of item kinds.
FORMATS = ("a4", "tape")
KIND_LABELS = {ev.NOTICE: "パスワード通知書", ev.ENVELOPES: "封入封緘済み通知書"}


def kind_label(item: Row) -> str:
    if item.kind == ev.MEDIUM:
        return ev.MEDIUM_KINDS.get(item.medium_kind, item.medium_kind)
    return KIND_LABELS[item.kind]


def _labels(st: State, item_ids: list[str], key: LabelKey) -> list[Label]:
    from handover.documents import Label
    out = []
    for item_id in item_ids:
        item = st.item(item_id)
        out.append(Label(item.item_id, label_payload(item.item_id, key),
                         st.case(item.case_id).name, kind_label(item)))
    return out


def select_items(st: State, item_ids: Iterable[str], case_id: str | None) -> list[str]:
    chosen = [ids.parse_id(i) for i in item_ids]
    if case_id is not None:
        case_id = ids.parse_id(case_id, "case")
        st.case(case_id)
        chosen += [i.item_id for i in st.items(case_id=case_id) if i.kind != ev.ENVELOPES]
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise HandoverError("no items to label", "name items, or --case CASE for all its media "
                            "and notices")
    return chosen


def item_labels(items: Iterable[tuple[str, str | None]], case_name: str,
                key: LabelKey) -> list[Label]:
    """Labels for items not recorded yet (sealing prints them before it records):
    (item ID, medium kind label or None for a notice)."""
    from handover.documents import Label
    return [Label(item_id, label_payload(item_id, key), case_name,
                  kind or KIND_LABELS[ev.NOTICE]) for item_id, kind in items]


def label_file_name(stem: str, fmt: str) -> str:
    return f"labels-{stem}-{fmt}.pdf"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise HandoverError(f"unknown label format {fmt!r}", "use a4 or tape")


def write_label_pdf(labels: list[Label], path: Path, fmt: str) -> Path:
    from handover.documents import render_label_sheet_a4, render_label_tape_24mm, write_pdf
    _check_format(fmt)
    pdf = render_label_sheet_a4(labels) if fmt == "a4" else render_label_tape_24mm(labels)
    return write_pdf(path, pdf, mode=0o644)


def write_labels(journal: Journal, item_ids: Iterable[str], key: LabelKey, out_dir: Path, *,
                 stem: str, formats: Iterable[str] = FORMATS) -> list[Path]:
    """One PDF per format in `out_dir`, named `labels-<stem>-<format>.pdf`."""
    with journal.reading() as st:
        labels = _labels(st, list(item_ids), key)
    formats = list(formats)
    for fmt in formats:   # all checked before any directory is made
        _check_format(fmt)
    make_output_dir(out_dir, "label")
    paths = []
    for fmt in formats:
        path = Path(out_dir) / label_file_name(stem, fmt)
        try:
            paths.append(write_label_pdf(labels, path, fmt))
        except OSError as e:
            raise HandoverError(f"cannot write the labels {path}: {e.strerror or e}",
                                "check the directory (free space, permissions)") from None
    return paths


def print_labels(journal: Journal, item_ids: Iterable[str], *, case_id: str | None,
                 key_path: Path | str | None, out_dir: Path | str,
                 formats: Iterable[str] = FORMATS) -> list[Path]:
    """Label PDFs for named items, or for every medium and notice of a case."""
    key = load_key(key_path)
    with journal.reading() as st:
        chosen = select_items(st, item_ids, case_id)
    stem = ids.parse_id(case_id, "case") if case_id else chosen[0]
    return write_labels(journal, chosen, key, Path(out_dir), stem=stem, formats=formats)
