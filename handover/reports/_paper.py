"""Writing a printed document where the user asked: the directory made first, the PDF written
atomically, and a clear error (which document, which path, what to do) if either fails."""

from __future__ import annotations

from pathlib import Path

from handover.errors import HandoverError
from handover.files import make_output_dir


def write_document(out_dir: Path | str, file_name: str, what: str, pdf: bytes) -> Path:
    from handover.documents import write_pdf     # reportlab: only when printing
    make_output_dir(out_dir, what)
    path = Path(out_dir) / file_name
    try:
        return write_pdf(path, pdf, mode=0o644)
    except OSError as e:
        raise HandoverError(f"cannot write the {what} {path}: {e.strerror or e}",
                            "free the space or fix the directory, then print it again") from None
