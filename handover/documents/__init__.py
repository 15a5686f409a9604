"""Printable documents: 確認書, password notices and QR label sheets, as PDF bytes.

Pure rendering (shared/DESIGN.md, Documents): frozen dataclasses in, PDF bytes out. Nothing
here reads the database or the ledger, or touches keys; callers pass in what to print, and
`write_pdf` puts the bytes on disk atomically.
"""

from handover.documents._draw import write_pdf
from handover.documents.confirmation import (COPIES, METHOD_LABELS, MOMENT_TITLES,
                                             MOMENT_VERBS, QUANTITIES, ConfirmationItem,
                                             ConfirmationRecord, SignatureMark, Totals,
                                             render_confirmation)
from handover.documents.counting import RECORD_COUNT_DEFINITION
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.labels import (PLACEMENT_NOTE, TYPING_MARK, Label,
                                       render_label_sheet_a4, render_label_tape_24mm)
from handover.documents.notice import OPEN_COMMAND, OPENER_SOURCE, PasswordNotice, render_notice
from handover.documents.wareki import Stamp, format_datetime, format_wareki

__all__ = [
    "COPIES", "METHOD_LABELS", "MOMENT_TITLES", "MOMENT_VERBS", "OPEN_COMMAND", "OPENER_SOURCE",
    "PLACEMENT_NOTE", "QUANTITIES", "RECORD_COUNT_DEFINITION", "TYPING_MARK",
    "ConfirmationItem", "ConfirmationRecord", "DocumentError", "FontSet", "Label",
    "PasswordNotice", "SignatureMark", "Stamp", "Totals",
    "format_datetime", "format_wareki", "japanese_fonts",
    "render_confirmation", "render_label_sheet_a4", "render_label_tape_24mm", "render_notice",
    "write_pdf",
]
