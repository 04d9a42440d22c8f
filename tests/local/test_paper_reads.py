"""What goes on paper, decided in node/local/paper.py: weeks, first names."""

import datetime as dt

import pytest

from node.local import paper
from node.local.errors import DomainError
from node.local.models import Resident

TODAY = dt.date(2026, 12, 1)  # a Tuesday of ISO week 2026-W49


@pytest.mark.parametrize(
    ("value", "label", "monday"),
    [
        ("2026-W49", "2026-W49", dt.date(2026, 11, 30)),
        ("", "2026-W49", dt.date(2026, 11, 30)),  # no week: this week
        (None, "2026-W49", dt.date(2026, 11, 30)),
        ("2020-W53", "2020-W53", dt.date(2020, 12, 28)),  # 2020 has 53 ISO weeks
        ("2027-W01", "2027-W01", dt.date(2027, 1, 4)),
    ],
)
def test_an_iso_week_is_seven_days_from_its_monday(value, label, monday):
    found, start, end = paper.parse_week(value, TODAY)
    assert found == label
    assert start == dt.datetime.combine(monday, dt.time())
    assert end - start == dt.timedelta(days=7)


@pytest.mark.parametrize(
    "value",
    ["2021-W53", "2026-W00", "2026-W54", "2026-W5", "26-W05", "2026W05", "2026-w05", "٢٠٢٦-W05"],
)
def test_anything_else_is_refused_with_the_expected_form(value):
    with pytest.raises(DomainError) as refused:
        paper.parse_week(value, TODAY)
    assert refused.value.status == 400 and "2026-W05" in refused.value.message


@pytest.mark.parametrize(
    ("display", "username", "first"),
    [("Zoé Martin-Dupont", "zoe", "Zoé"), ("", "bob", "bob"), ("  Ørjan  ", "o", "Ørjan")],
)
def test_paper_names_people_by_their_first_name_only(display, username, first):
    assert paper.first_name(Resident(display_name=display, username=username)) == first
