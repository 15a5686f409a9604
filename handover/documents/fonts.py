"""Japanese fonts for the printed documents, registered with reportlab once per process.

Preferred: IPAex Mincho and Gothic TrueType files, embedded as subsets, so a PDF prints the
same on any computer and `pdftotext` extracts the text through the embedded ToUnicode map.
Fallback: reportlab's built-in CID fonts (HeiseiMin-W3, HeiseiKakuGo-W5), which need no file
but are not embedded, so the printing computer's viewer substitutes its own Japanese font.

Set HANDOVER_FONT_DIR to a folder holding ipaexm.ttf / ipaexg.ttf to use fonts from elsewhere;
set HANDOVER_FONTS=cid (or pass embed=False) to force the fallback.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import mmap
import os
import struct
from array import array
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.lib import rl_accel
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace, TTFontFile

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


class _Lookups(dict):
    """A face's table (code → glyph, code → width) as reportlab reads it: a dict, here
    filled one key at a time from the mapped font as a document asks for it."""

    def __init__(self, find):
        super().__init__()
        self._find = find

    def __missing__(self, key):
        value = self._find(key)
        if value is None:
            raise KeyError(key)
        self[key] = value
        return value

    def __contains__(self, key) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __bool__(self) -> bool:
        return True


class _Indexed:
    """A per-glyph list reportlab indexes (advance widths, glyph offsets), read on demand."""

    def __init__(self, size: int, item):
        self._size, self._item = size, item

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int):
        if not 0 <= i < self._size:
            raise IndexError(i)
        return self._item(i)


class _MappedFace(TTFontFace):
    """An IPAex face whose per-character tables are looked up in the mapped file, not parsed.

    reportlab's parser turns the whole cmap, hmtx and loca into Python dicts and lists:
    ~12,000 characters a face, ~12 MiB for the two faces, which sat on top of numpy's ~12 MiB
    and the package pipeline's buffers at the seal's peak (issue 15 §4). A notice uses a few
    hundred characters; each is looked up (bisect over the cmap's segments) when first asked
    for, with the same results as reportlab's parse (tests/handover/documents/
    test_documents.py compares every character of both faces, and a notice byte for byte).
    cmap formats 4 and 12 only, what IPAex and current Unicode fonts carry;
    `lean_face_fits` says when to let reportlab parse instead."""

    def __init__(self, path: Path):
        pdfmetrics.TypeFace.__init__(self, None)
        TTFontFile.__init__(self, _MappedFile(path), charInfo=0)   # header tables only
        data = self._ttf_data
        head, hhea = self.get_table_pos("head")[0], self.get_table_pos("hhea")[0]
        self._long_loca = struct.unpack_from(">h", data, head + 50)[0] == 1
        self._hmetric_count = struct.unpack_from(">H", data, hhea + 34)[0]
        self._hmtx, self._loca = self.get_table_pos("hmtx")[0], self.get_table_pos("loca")[0]
        self._read_cmap(*_cmap_subtable(self))
        self.charToGlyph = _Lookups(self._glyph_of)
        self.charWidths = _Lookups(self._width_of)
        self.glyphToChar = {}   # only reportlab's text shaping reads it; notices do not shape
        self.hmetrics = _Indexed(self.numGlyphs, self._hmetric)
        self.glyphPos = _Indexed(self.numGlyphs + 1, self._glyph_pos)
        self.defaultWidth = self._pdfScale(self._hmetric(0)[0])
        # reportlab's own rule: a no-break space is drawn as a space (or the other way round).
        self._alias = ({0xA0: 0x20} if self._cmap_glyph(0x20) is not None else
                       {0x20: 0xA0} if self._cmap_glyph(0xA0) is not None else {})

    def get_table(self, tag):
        if tag == "glyf":   # the subsetter slices glyphs out of it: slice the map instead
            return _GlyfWindow(self._ttf_data, self.get_table_pos("glyf")[0])
        return super().get_table(tag)

    def _read_cmap(self, fmt: int, offset: int) -> None:
        data, self._cmap_format = self._ttf_data, fmt
        if fmt == 4:
            n = struct.unpack_from(">H", data, offset + 6)[0] // 2
            self._ends = array("H", struct.unpack_from(f">{n}H", data, offset + 14))
            self._starts = array("H", struct.unpack_from(f">{n}H", data, offset + 16 + 2 * n))
            self._deltas = array("h", struct.unpack_from(f">{n}h", data, offset + 16 + 4 * n))
            self._range_at = offset + 16 + 6 * n
            self._ranges = array("H", struct.unpack_from(f">{n}H", data, self._range_at))
            self._cmap_end = offset + struct.unpack_from(">H", data, offset + 2)[0]
        else:   # 12
            n = struct.unpack_from(">L", data, offset + 12)[0]
            groups = struct.unpack_from(f">{3 * n}L", data, offset + 16)
            self._starts, self._ends = array("L", groups[0::3]), array("L", groups[1::3])
            self._first_glyphs = array("L", groups[2::3])

    def _cmap_glyph(self, code: int) -> int | None:
        i = bisect.bisect_left(self._ends, code)
        if i == len(self._ends) or code < self._starts[i]:
            return None
        if self._cmap_format == 12:
            return self._first_glyphs[i] + code - self._starts[i]
        if self._ranges[i] == 0:
            return (code + self._deltas[i]) & 0xFFFF
        at = self._range_at + 2 * i + self._ranges[i] + 2 * (code - self._starts[i])
        if at >= self._cmap_end:   # as reportlab: a broken font's range points past the table
            return 0
        glyph = struct.unpack_from(">H", self._ttf_data, at)[0]
        return (glyph + self._deltas[i]) & 0xFFFF if glyph else 0

    def _glyph_of(self, code) -> int | None:
        if not isinstance(code, int) or code < 0:
            return None
        return self._cmap_glyph(self._alias.get(code, code))

    def _width_of(self, code) -> float | None:
        glyph = self._glyph_of(code)
        if glyph is None or glyph >= self.numGlyphs:
            return None
        return self._pdfScale(self._hmetric(min(glyph, self._hmetric_count - 1))[0])

    def _hmetric(self, glyph: int) -> tuple[int, int]:
        if glyph < self._hmetric_count:
            return struct.unpack_from(">HH", self._ttf_data, self._hmtx + 4 * glyph)
        # Past the long metrics, every glyph has the last advance: scaled to 1/1000 em,
        # as reportlab's parser leaves it there.
        last = self._hmetric_count - 1
        advance = struct.unpack_from(">H", self._ttf_data, self._hmtx + 4 * last)[0]
        at = self._hmtx + 4 * self._hmetric_count + 2 * (glyph - self._hmetric_count)
        return self._pdfScale(advance), struct.unpack_from(">H", self._ttf_data, at)[0]

    def _glyph_pos(self, i: int) -> int:
        if self._long_loca:
            return struct.unpack_from(">L", self._ttf_data, self._loca + 4 * i)[0]
        return struct.unpack_from(">H", self._ttf_data, self._loca + 2 * i)[0] << 1


def _cmap_subtable(face: TTFontFile) -> tuple[int, int]:
    """The cmap subtable reportlab would use (its own choice: the last suitable encoding
    record), as (format, absolute offset)."""
    data, cmap = face._ttf_data, face.get_table_pos("cmap")[0]
    version, count = struct.unpack_from(">HH", data, cmap)
    if count == 0 and version != 0:
        count = version
    chosen, enc = None, 0
    for k in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", data, cmap + 4 + 8 * k)
        if platform == 3 or (platform == 1 and encoding == 1) or (platform == 0 and encoding != 5):
            chosen, enc = offset, 1
        elif platform == 1 and encoding == 0 and enc != 1:
            chosen, enc = offset, 2
    if chosen is None:
        return -1, -1
    return struct.unpack_from(">H", data, cmap + chosen)[0], cmap + chosen


def lean_face_fits(path: Path) -> bool:
    """Whether `path` can be used through _MappedFace: a cmap in format 4 or 12, a face
    that may be subset, and reportlab measuring text in Python (its optional C
    accelerator reads the widths dict directly, which _Lookups fills only on demand)."""
    if getattr(rl_accel.instanceStringWidthTTF, "__name__", "") != "_py_instanceStringWidthTTF":
        return False
    probe = TTFontFile.__new__(TTFontFile)
    TTFontFile.__init__(probe, _MappedFile(path), charInfo=0)
    return not probe._full_font and _cmap_subtable(probe)[0] in (4, 12)


class _MappedTTFont(TTFont):
    """reportlab's TTFont around a _MappedFace."""

    def __init__(self, name: str, path: Path):
        # What TTFont.__init__ sets (reportlab 4–5), but with a face it does not parse;
        # tests/handover/documents/test_documents.py checks they still match reportlab's.
        self.fontName = name
        self.face = _MappedFace(path)
        self.encoding = TTEncoding()
        self.state = WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = False   # shaping would map glyphs back to characters (glyphToChar)


def _mapped_ttf(name: str, path: Path) -> TTFont:
    """The font reportlab draws with: looked up in the mapped file where it can be, else
    parsed by reportlab from the map, its subsetter reading glyphs through a window."""
    if lean_face_fits(path):
        return _MappedTTFont(name, path)
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
