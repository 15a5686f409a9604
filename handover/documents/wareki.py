"""Dates as ward staff write them: 和暦 (Japanese era) beside ISO 8601.

Era start dates are those of the Gregorian calendar as used in Japan since 1873
(明治6年1月1日). The first year of an era is written 元年, not 1年. Times are shown in
Japan Standard Time, the ward's own clock, whatever zone the caller's datetime carries;
Japan has no daylight saving, so a fixed +09:00 offset is exact.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from handover.clock import JST
from handover.documents.errors import DocumentError

# (first day, era name), newest first. 明治 is accepted only from the calendar reform,
# because earlier 明治 dates used the lunisolar calendar and would be wrong if converted.
_ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1873, 1, 1), "明治"),
)
_MEIJI_OFFSET = 1867  # 明治6年 is 1873: the era's year count starts at 1868


class Stamp(NamedTuple):
    """One moment in both forms, as printed side by side."""

    wareki: str  # 令和8年11月22日 14時05分
    iso: str     # 2026-11-22T14:05+09:00


def era_year(date: dt.date) -> tuple[str, int]:
    """The era name and year number of `date`, e.g. ('令和', 1) for 2019-05-01."""
    if isinstance(date, dt.datetime):
        date = date.date()
    for start, name in _ERAS:
        if date >= start:
            first_year = _MEIJI_OFFSET + 1 if name == "明治" else start.year
            return name, date.year - first_year + 1
    raise DocumentError(
        f"date {date.isoformat()} is before 1873-01-01, when Japan adopted the Gregorian calendar",
        hint="give a date from 明治6年 onwards",
    )


def format_wareki(date: dt.date) -> str:
    """令和8年11月22日 — no zero padding, as written by hand; 元年 for an era's first year."""
    era, year = era_year(date)
    year_text = "元" if year == 1 else str(year)
    return f"{era}{year_text}年{date.month}月{date.day}日"


def to_jst(moment: dt.datetime) -> dt.datetime:
    """`moment` on the ward's clock. A naive datetime is refused: its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DocumentError(
            "a datetime without a time zone cannot be printed on a record",
            hint="pass an aware datetime, e.g. datetime.now(timezone.utc)",
        )
    return moment.astimezone(JST)


def format_datetime(moment: dt.datetime) -> Stamp:
    """Both forms of an aware datetime, to the minute, in JST.

    Minutes, not seconds: a signed paper record cannot claim more precision than a person
    checks. The ledger entry keeps the exact time.
    """
    local = to_jst(moment)
    wareki = f"{format_wareki(local.date())} {local.hour:02d}時{local.minute:02d}分"
    iso = local.strftime("%Y-%m-%dT%H:%M+09:00")
    return Stamp(wareki, iso)



def format_fiscal_year(year: int) -> str:
    """令和8年度（2026年度）. The era is that of the year's 1 April (handover.clock has the
    April-March year), as the government names fiscal 2019 平成31年度 although 令和 began in May."""
    era, number = era_year(dt.date(year, 4, 1))
    return f"{era}{'元' if number == 1 else number}年度（{year}年度）"


def beside_iso(value: str | dt.date | dt.datetime | None) -> str:
    """As a page writes a date: 令和8年4月6日（2026-04-06）, or with a time 令和8年4月6日 10:00
    （2026-04-06 10:00）, in JST; "—" for none, and text that is not an ISO date as it is."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        local = value.astimezone(JST) if value.tzinfo else value
        return (f"{format_wareki(local.date())} {local:%H:%M}"
                f"（{local:%Y-%m-%d %H:%M}）")
    return f"{format_wareki(value)}（{value.isoformat()}）"
