"""Media names and counters (issue 9: LGWAN is a file, counted 件, as handover names it)."""

from crypto import COUNTERS, LABELS, MEDIA


def test_every_medium_has_a_label_and_a_counter():
    assert set(LABELS) == set(MEDIA) == set(COUNTERS)


def test_lgwan_is_a_file_counted_in_ken_never_mai():
    assert LABELS["lgwan"] == "LGWANファイル"
    assert COUNTERS["lgwan"] == "件"
    assert all(COUNTERS[m] == "枚" for m in ("cd-r", "dvd-r", "dvd-r-dl", "bd-r"))


def test_labels_agree_with_the_domain():
    """handover names media in its events; the two lists must not drift apart."""
    try:
        from handover.events import MEDIUM_KINDS
    except ImportError:  # moved by the layout work: find it there
        from handover.model.events import MEDIUM_KINDS
    assert MEDIUM_KINDS == LABELS
