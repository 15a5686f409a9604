"""Scanners: read labels from camera images or keyboard-wedge scanners and classify
each scan against a handover's manifest as it happens.

A courier scans every item at pickup and at delivery. Each scan gets an immediate verdict, so a
forged label or an item that does not belong is set aside on the spot, not found in a report later:

    ok            valid label, registered, on the manifest (or no manifest given)
    unknown       valid label, but the ID is not registered
    forged        the label's MAC fails, or the text is not a handover label at all
    duplicate     this ID was already scanned in this session
    not-expected  registered, but not on this handover's manifest

Messages are English then Japanese, lower-case prefix, no final period (STYLE.md, CLI output).
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from handover import ids
from handover.errors import HandoverError
from handover.label_codes import ForgedLabel, InvalidLabel, LabelKey, verify_label

__all__ = ["ScanError", "ScanStatus", "ScanResult", "ScanSummary", "ScanSession",
           "decode_image", "read_scans"]


class ScanError(HandoverError):
    """An image that cannot be read or holds no QR code."""


# A label photo needs a few megapixels; phone cameras take up to about 50. Anything larger is
# refused from its header, before a byte is decoded: a small PNG can claim 20000×20000 pixels
# (a decompression bomb) and would take gigabytes and minutes to decode.
MAX_IMAGE_PIXELS = 64_000_000


def _too_large(path: Path, size: str) -> ScanError:
    return ScanError(f"image {path} is too large to scan ({size}; at most "
                     f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels); it was not decoded",
                     "photograph the label again, or resize the image to a few megapixels")


def decode_image(path: Path | str) -> list[str]:
    """The text of every QR code in an image file (camera photo, PNG), in the order found."""
    # Imported here so that keyboard-wedge stations need neither Pillow nor zxing-cpp loaded.
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _too_large(path, f"{width}×{height} pixels")
            img.load()
            # zxing-cpp wants grayscale or RGB; palette and alpha images (many PNGs) are neither.
            image = img.convert("L")
    except FileNotFoundError:
        raise ScanError(f"image {path} not found", "check the path") from None
    except Image.DecompressionBombError:
        # Pillow's own limit, hit in Image.open for even larger claims.
        raise _too_large(path, "its header claims far more pixels") from None
    except UnidentifiedImageError:
        raise ScanError(f"cannot read {path} as an image",
                        "save the photo as PNG or JPEG and try again") from None
    except OSError as e:
        raise ScanError(f"cannot read image {path}: {e}",
                        "the file may be truncated; take the photo again") from None
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        raise ScanError(f"no QR code found in {path}",
                        "photograph the label square-on, in focus, filling more of the frame")
    return [barcode.text for barcode in found]


def read_scans(stream: TextIO | Iterable[str | bytes]) -> Iterator[str]:
    """One payload per line from a keyboard-wedge scanner: line endings and surrounding
    whitespace (some scanners add a tab or space) removed, blank lines skipped. A line that is
    not UTF-8 is a scanner set up wrongly (a code page, a binary mode): a ScanError names the
    line, rather than a guess at what was meant."""
    # A text stream over bytes (stdin) is read as bytes, so a bad line can be named exactly.
    lines = getattr(stream, "buffer", stream)
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ScanError(f"line {number} of the scans is not UTF-8 text (byte "
                                f"0x{line[e.start]:02x} at position {e.start + 1}); stopped "
                                f"there, nothing was recorded",
                                "set the scanner to send UTF-8 (or plain ASCII) text, then "
                                "scan every item again") from None
        text = line.strip()   # str.strip() also removes the IME's full-width space
        if text:
            yield text


class ScanStatus(enum.StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    FORGED = "forged"
    DUPLICATE = "duplicate"
    NOT_EXPECTED = "not-expected"


@dataclasses.dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    item_id: str | None   # canonical ID; None when the label did not verify
    raw: str              # the text exactly as scanned
    message: str


@dataclasses.dataclass(frozen=True)
class ScanSummary:
    ok: list[str]
    missing: list[str]      # expected, never scanned
    unexpected: list[str]   # registered but not on the manifest
    forged: list[str]       # raw text of every scan that failed verification
    unknown: list[str]      # valid label, not registered
    duplicates: list[str]   # IDs scanned more than once (once each)

    @property
    def complete(self) -> bool:
        """Every expected item scanned and nothing suspect: no forged, unexpected or unknown
        item. An unregistered item carries a valid label yet no record, so it blocks too.
        Duplicates do not: scanning the same case twice is harmless."""
        return not (self.missing or self.forged or self.unexpected or self.unknown)


def _name(item_id: str) -> str:
    return ids.KINDS[item_id[0]].ja


class ScanSession:
    """Scans during one pickup or delivery. `expected` is the manifest (None: no manifest, any
    registered item is ok); `known(id)` says whether an ID is registered."""

    def __init__(self, expected: Iterable[str] | None, known: Callable[[str], bool],
                 key: LabelKey):
        # A bad manifest entry is a programming or data error; fail now, not at the Nth scan.
        self._expected = None if expected is None else list(dict.fromkeys(
            ids.parse_id(e) for e in expected))
        self._known = known
        self._key = key
        self._results: list[ScanResult] = []
        self._seen: set[str] = set()

    @property
    def results(self) -> list[ScanResult]:
        return list(self._results)

    def scan(self, text: str) -> ScanResult:
        result = self._classify(text)
        self._results.append(result)
        if result.item_id is not None:
            self._seen.add(result.item_id)
        return result

    def _classify(self, raw: str) -> ScanResult:
        try:
            item = verify_label(raw, self._key)
        except ForgedLabel as e:
            return ScanResult(ScanStatus.FORGED, None, raw,
                              f"forged: label MAC does not match (claims {e.claimed_id}) — "
                              "do not accept this item / 偽造または改変されたラベルです。"
                              "受け取らないでください")
        except InvalidLabel as e:
            return ScanResult(ScanStatus.FORGED, None, raw,
                              f"forged: {e.message} — do not accept this item / "
                              "正しいラベルではありません。受け取らないでください")
        if item in self._seen:
            return ScanResult(ScanStatus.DUPLICATE, item, raw,
                              f"duplicate: {item} was already scanned / "
                              f"{item} は読み取り済みです")
        if not self._known(item):
            return ScanResult(ScanStatus.UNKNOWN, item, raw,
                              f"unknown: {item} is not registered — set it aside and report it"
                              f" / {item} は登録されていない{_name(item)}です")
        if self._expected is not None and item not in self._expected:
            return ScanResult(ScanStatus.NOT_EXPECTED, item, raw,
                              f"not-expected: {item} is not on this handover's list — "
                              f"do not include it / {item} はこの引渡しの対象外です")
        return ScanResult(ScanStatus.OK, item, raw, f"ok: {item} 確認しました")

    def summary(self) -> ScanSummary:
        def ids_with(status: ScanStatus) -> list[str]:
            return [r.item_id for r in self._results if r.status is status]

        ok = ids_with(ScanStatus.OK)
        return ScanSummary(
            ok=ok,
            missing=[] if self._expected is None else
            [e for e in self._expected if e not in self._seen],
            unexpected=ids_with(ScanStatus.NOT_EXPECTED),
            forged=[r.raw for r in self._results if r.status is ScanStatus.FORGED],
            unknown=ids_with(ScanStatus.UNKNOWN),
            duplicates=list(dict.fromkeys(ids_with(ScanStatus.DUPLICATE))),
        )

    @property
    def complete(self) -> bool:
        return self.summary().complete
