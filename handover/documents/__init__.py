"""Printable documents: 確認書, password notices, QR label sheets, 立入調査記録 and the
auditor's report, as PDF bytes.

Pure rendering (shared/DESIGN.md, Documents): frozen dataclasses in, PDF bytes out. Nothing
here reads the database or the ledger, or touches keys; callers pass in what to print, and
`write_pdf` puts the bytes on disk atomically.
"""
# The names below are imported on first use (PEP 562): `status` formats 和暦 fiscal years
# with wareki.py and must not load reportlab to do so (tests/cli/test_cold_start.py).

from __future__ import annotations

import importlib

_EXPORTS = {
    "handover.documents._draw": ("write_pdf",),
    "handover.documents.confirmation": ("COPIES", "MOMENT_TITLES", "QUANTITIES", "ConfirmationItem",
                                        "ConfirmationRecord", "SignatureMark", "Totals",
                                        "render_confirmation"),
    "handover.documents.counting": ("RECORD_COUNT_DEFINITION",),
    "handover.documents.errors": ("DocumentError",),
    "handover.documents.fonts": ("FontSet", "japanese_fonts"),
    "handover.documents.labels": ("PLACEMENT_NOTE", "TYPING_MARK", "Label",
                                  "render_label_sheet_a4", "render_label_tape_24mm"),
    "handover.documents.notice": ("OPEN_COMMAND", "OPENER_SOURCE", "PasswordNotice",
                                  "render_notice"),
    "handover.documents.record_sheet": ("RecordSheet", "render_record_sheet"),
    "handover.documents.wareki": ("Stamp", "beside_iso", "format_datetime",
                                  "format_fiscal_year", "format_wareki"),
    "handover.documents.words": ("METHOD_LABELS", "MOMENT_LABELS", "MOMENT_VERBS"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
