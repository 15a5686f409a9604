"""Japan Standard Time: every recorded time is in it, whatever offset was typed."""

from __future__ import annotations

import datetime as dt

JST = dt.timezone(dt.timedelta(hours=9), "JST")


def now_jst() -> dt.datetime:
    return dt.datetime.now(JST)


def fiscal_year(date: dt.date) -> int:
    """The fiscal year (年度, April to March) of `date`, named by the calendar year of its
    April: 2027-03-31 falls in fiscal 2026."""
    return date.year if date.month >= 4 else date.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal `year`: 1 April to 31 March."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
