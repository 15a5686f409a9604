"""Japan Standard Time: every recorded time is in it, whatever offset was typed."""

from __future__ import annotations

import datetime as dt

JST = dt.timezone(dt.timedelta(hours=9), "JST")


def now_jst() -> dt.datetime:
    return dt.datetime.now(JST)
