"""Japanese fonts for the printed documents, registered with reportlab once per process.

Preferred: IPAex Mincho and Gothic TrueType files, embedded as subsets, so a PDF prints the
same on any computer and `pdftotext` extracts the text through the embedded ToUnicode map.
Fallback: reportlab's built-in CID fonts (HeiseiMin-W3, HeiseiKakuGo-W5), which need no file
but are not embedded, so the printing computer's viewer substitutes its own Japanese font.

Set HANDOVER_FONT_DIR to a folder holding ipaexm.ttf / ipaexg.ttf to use fonts from elsewhere;
set HANDOVER_FONTS=cid (or pass embed=False) to force the fallback.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

MINCHO_FILE = "ipaexm.ttf"
GOTHIC_FILE = "ipaexg.ttf"

# Debian/Ubuntu package locations first, then the usual places a person drops a font.
_STANDARD_DIRS = (
    "/usr/share/fonts/opentype/ipaexfont-mincho",
    "/usr/share/fonts/opentype/ipaexfont-gothic",
    "/usr/share/fonts/truetype/ipaexfont-mincho",
    "/usr/share/fonts/truetype/ipaexfont-gothic",
    "/usr/share/fonts/ipaexfont",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

# Our own registration prefix, so we never clash with a font another module registers.
_EMBEDDED_PREFIX = "Handover"
CID_MINCHO = "HeiseiMin-W3"
CID_GOTHIC = "HeiseiKakuGo-W5"

# The Latin monospace faces are PDF standard fonts: always available, never embedded.
MONO = "Courier"
MONO_BOLD = "Courier-Bold"


@dataclass(frozen=True)
class FontSet:
    """Registered font names to pass to reportlab, and where they came from."""

    mincho: str
    gothic: str
    embedded: bool  # True: IPAex TTF subsets in the PDF; False: CID fallback
    mincho_path: Path | None = None
    gothic_path: Path | None = None
    mono: str = MONO
    mono_bold: str = MONO_BOLD


def _search_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("HANDOVER_FONT_DIR"):
        dirs.append(Path(os.environ["HANDOVER_FONT_DIR"]).expanduser())
    dirs.extend(Path(d).expanduser() for d in _STANDARD_DIRS)
    return dirs


def find_font(filename: str, dirs: list[Path] | None = None) -> Path | None:
    """The first readable `filename` in the search directories, or None."""
    for d in dirs if dirs is not None else _search_dirs():
        candidate = d / filename
        if candidate.is_file() and os.access(candidate, os.R_OK):
            return candidate
    return None


def japanese_fonts(embed: bool | None = None) -> FontSet:
    """Register and return the Japanese fonts.

    `embed=None` follows HANDOVER_FONTS (``cid`` forces the fallback) and otherwise embeds
    when both IPAex files are found. Both faces come from the same source, never one of each,
    so a document never mixes embedded and substituted glyphs.
    """
    if embed is None:
        embed = os.environ.get("HANDOVER_FONTS", "").strip().lower() != "cid"
    if embed:
        dirs = _search_dirs()
        mincho, gothic = find_font(MINCHO_FILE, dirs), find_font(GOTHIC_FILE, dirs)
        if mincho and gothic:
            return _register_embedded(mincho, gothic)
    return _register_cid()


def _name_for(path: Path) -> str:
    # reportlab keys fonts by name alone; re-registering a name with another file would
    # silently change fonts already handed out, so the name carries a digest of the path.
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    return f"{_EMBEDDED_PREFIX}-{path.stem}-{digest}"


@functools.lru_cache(maxsize=None)
def _register_embedded(mincho: Path, gothic: Path) -> FontSet:
    names = _name_for(mincho), _name_for(gothic)
    pdfmetrics.registerFont(TTFont(names[0], str(mincho)))
    pdfmetrics.registerFont(TTFont(names[1], str(gothic)))
    return FontSet(names[0], names[1], True, mincho, gothic)


@functools.lru_cache(maxsize=None)
def _register_cid() -> FontSet:
    pdfmetrics.registerFont(UnicodeCIDFont(CID_MINCHO))
    pdfmetrics.registerFont(UnicodeCIDFont(CID_GOTHIC))
    return FontSet(CID_MINCHO, CID_GOTHIC, False)
