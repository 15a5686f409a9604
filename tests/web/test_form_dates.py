"""Dates picked in forms: one reader for every page, whose refusal names the field."""

import datetime as dt

import pytest

from handover.errors import HandoverError
from web.pages import form_date


def test_a_picked_date_is_read_as_iso():
    assert form_date(" 2026-04-06 ", "調査日") == dt.date(2026, 4, 6)


@pytest.mark.parametrize("text", ["", "2026-13-01", "令和8年4月6日", "04/06/2026"])
def test_a_date_that_is_not_one_is_refused_naming_the_field(text):
    with pytest.raises(HandoverError) as refused:
        form_date(text, "消去日")
    assert "日付として読めません" in refused.value.message
    assert refused.value.hint == "消去日の欄で日付を選んでください"
