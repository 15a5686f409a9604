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
import mmap
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


class _MappedFile:
    """A font file as reportlab's TTFont reads a file-like object, but mapped, not read.

    reportlab keeps the whole file as `bytes` (6–8 MB per IPAex face) and, when it embeds
    a subset, slices out the whole `glyf` table, another copy of most of the file: ~44 MB of
    the notice's peak for the two faces. Its parser only slices and indexes the data, which
    a read-only map does too (slices come back as `bytes`), and only the pages it touches
    (directory, cmap, metrics and the glyphs a document uses) are ever read in."""

    def __init__(self, path: Path):
        self.name = str(path)
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def read(self) -> mmap.mmap:
        return self._map


class _GlyfWindow:
    """The `glyf` table as reportlab's subsetter uses it, one glyph slice at a time, each
    sliced from the map instead of from a copy of the whole table."""

    def __init__(self, data: mmap.mmap, start: int):
        self._data, self._start = data, start

    def __getitem__(self, s: slice) -> bytes:
        return self._data[self._start + s.start:self._start + s.stop]


def _mapped_ttf(name: str, path: Path) -> TTFont:
    font = TTFont(name, _MappedFile(path))
    face = font.face
    whole_table = face.get_table

    def get_table(tag):
        if tag == "glyf":
            return _GlyfWindow(face._ttf_data, face.get_table_pos("glyf")[0])
        return whole_table(tag)

    face.get_table = get_table
    return font


@functools.lru_cache(maxsize=None)
def _register_embedded(mincho: Path, gothic: Path) -> FontSet:
    names = _name_for(mincho), _name_for(gothic)
    pdfmetrics.registerFont(_mapped_ttf(names[0], mincho))
    pdfmetrics.registerFont(_mapped_ttf(names[1], gothic))
    return FontSet(names[0], names[1], True, mincho, gothic)


@functools.lru_cache(maxsize=None)
def _register_cid() -> FontSet:
    pdfmetrics.registerFont(UnicodeCIDFont(CID_MINCHO))
    pdfmetrics.registerFont(UnicodeCIDFont(CID_GOTHIC))
    return FontSet(CID_MINCHO, CID_GOTHIC, False)
