"""Media a package is written to, and whether it fits (docs/package-format.md, "Media").

Capacities are the decimal sizes printed on the media (1 GB = 10^9 bytes), which are
slightly below what the discs really hold, so a package that passes always fits.
"usb" and "lgwan" have no fixed limit.
"""

from __future__ import annotations

from crypto.errors import MediaTooSmall

MEDIA: dict[str, int | None] = {
    "cd-r": 700_000_000,
    "dvd-r": 4_700_000_000,
    "dvd-r-dl": 8_500_000_000,
    "bd-r": 25_000_000_000,
    "usb": None,
    "lgwan": None,
}

# As handover/events.py names them. An LGWAN transfer is a file, not a disc: it is counted
# in 件, never 枚.
LABELS = {"cd-r": "CD-R", "dvd-r": "DVD-R", "dvd-r-dl": "DVD-R DL", "bd-r": "BD-R",
          "usb": "USB", "lgwan": "LGWANファイル"}
COUNTERS = {"cd-r": "枚", "dvd-r": "枚", "dvd-r-dl": "枚", "bd-r": "枚", "usb": "個",
            "lgwan": "件"}


def human_size(n: int) -> str:
    """Decimal units, as printed on media: '4.7 GB (4,700,000,000 bytes)'."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def check_fits(media: str | None, size: int) -> None:
    """Raise MediaTooSmall if a package of `size` bytes does not fit on `media`."""
    if media is None:
        return
    if media not in MEDIA:
        raise ValueError(f"unknown medium {media!r}; known: {', '.join(MEDIA)}")
    capacity = MEDIA[media]
    if capacity is not None and size > capacity:
        label = LABELS[media]
        bigger = [m for m, c in MEDIA.items() if c is not None and c >= size]
        hint = (f"use a larger medium ({LABELS[bigger[0]]}) or seal fewer files per package"
                if bigger else "seal fewer files per package, or send it by LGWAN or USB")
        raise MediaTooSmall(
            f"the package would be {human_size(size)} but a {label} holds {human_size(capacity)}",
            hint, media=media, size=size, capacity=capacity)
