"""ORCID iDs (ISO 7064 MOD 11-2 check digit, bare and URL forms) and the review
dates: the three-year cap on the next review, and "Last updated" carried over by
an approval of unchanged text."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from reviewapp.accounts.orcid import (
    CHECK_DIGIT_MESSAGE,
    SHAPE_MESSAGE,
    InvalidOrcid,
    normalize_orcid,
    orcid_url,
)
from reviewapp.articles.review_dates import (
    MAX_REVIEW_INTERVAL_DAYS,
    content_updated_at,
    next_review_due,
    overdue_cutoff,
    review_interval_days,
)


@pytest.mark.parametrize(("typed", "stored"), [
    ("0000-0002-1825-0097", "0000-0002-1825-0097"),
    ("0000-0001-5109-3700", "0000-0001-5109-3700"),
    ("0000-0002-1694-233X", "0000-0002-1694-233X"),   # check digit X
    ("0000-0002-1694-233x", "0000-0002-1694-233X"),   # typed in lower case
    ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
    ("http://orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
    ("  orcid.org/0000-0002-1825-0097 ", "0000-0002-1825-0097"),
    ("0000000218250097", "0000-0002-1825-0097"),
    ("0000 0002 1825 0097", "0000-0002-1825-0097"),
])
def test_valid_orcid_ids_are_kept_in_the_bare_form(typed, stored):
    assert normalize_orcid(typed) == stored
    assert orcid_url(stored) == f"https://orcid.org/{stored}"


@pytest.mark.parametrize("typed", ["0000-0002-1825-0098", "0000-0001-5109-370X",
                                   "0000-0002-1694-2330", "https://orcid.org/0000-0002-1825-0096"])
def test_a_wrong_check_digit_is_refused_with_a_clear_message(typed):
    with pytest.raises(InvalidOrcid) as refused:
        normalize_orcid(typed)
    assert refused.value.message == CHECK_DIGIT_MESSAGE
    assert "check digit" in CHECK_DIGIT_MESSAGE


@pytest.mark.parametrize("typed", ["0000-0002-1825", "0000-0002-1825-00977", "ORCID",
                                   "0000-000X-1825-0097", "https://example.org/0000-0002-1825-0097",
                                   "００００-0002-1825-0097"])
def test_what_is_not_an_orcid_id_is_refused_with_its_shape(typed):
    with pytest.raises(InvalidOrcid) as refused:
        normalize_orcid(typed)
    assert refused.value.message == SHAPE_MESSAGE


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_no_orcid_id_is_none(typed):
    assert normalize_orcid(typed) is None and orcid_url(None) is None


MOMENT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(("configured", "due"), [
    (365, date(2027, 3, 2)),
    (30, date(2026, 4, 1)),
    (1095, date(2029, 3, 1)),   # three years of 365 days (2028 is a leap year)
    (2000, date(2029, 3, 1)),   # capped
    (100_000, date(2029, 3, 1)),
])
def test_next_review_is_never_more_than_three_years_after_the_last(configured, due):
    assert next_review_due(MOMENT, configured) == due
    assert due <= date(2029, 3, 2)  # the third anniversary
    assert review_interval_days(configured) == min(configured, MAX_REVIEW_INTERVAL_DAYS)


def test_the_overdue_cutoff_uses_the_same_cap():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert overdue_cutoff(now, 365) == now - timedelta(days=365)
    assert overdue_cutoff(now, 2000) == now - timedelta(days=3 * 365)


@dataclass
class Rev:
    content_hash: str
    approved_at: datetime | None = None
    content_updated_at: datetime | None = None


def test_last_updated_is_the_first_approval_of_the_shown_content():
    first = Rev("a", MOMENT, MOMENT)
    later = MOMENT + timedelta(days=400)
    assert content_updated_at(None, Rev("a"), later) == later           # first approval
    assert content_updated_at(first, Rev("a"), later) == MOMENT          # re-review, same text
    assert content_updated_at(first, Rev("b"), later) == later           # changed text
    # Rows approved before the column existed: their approval stands for it.
    assert content_updated_at(Rev("a", MOMENT), Rev("a"), later) == MOMENT
    assert content_updated_at(first, first, later) == MOMENT
