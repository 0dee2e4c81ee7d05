"""The injectable clock: ``clock_at`` moves utcnow() and shanghai_today() for a block only."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.core.db import clock_at, shanghai_today, utcnow
from tests.conftest import SESSION_MOMENT


def test_clock_at_sets_now_and_the_shanghai_date_for_the_block():
    real = utcnow()
    # 16:30 UTC on New Year's Eve is already New Year's Day in Shanghai.
    with clock_at(datetime(2027, 12, 31, 16, 30, tzinfo=UTC)) as moment:
        assert utcnow() == moment and utcnow().tzinfo is not None
        assert shanghai_today() == date(2028, 1, 1)
        with clock_at(datetime(2028, 2, 29, 1, 0, tzinfo=UTC)):
            assert shanghai_today() == date(2028, 2, 29)
        assert utcnow() == moment
    assert abs(utcnow() - real) < timedelta(minutes=5)


def test_clock_at_refuses_a_naive_moment_and_resets_after_an_error():
    with pytest.raises(ValueError), clock_at(datetime(2028, 1, 1)):
        pass
    with pytest.raises(RuntimeError), clock_at(datetime(2030, 1, 1, tzinfo=UTC)):
        raise RuntimeError("boom")
    assert utcnow() == SESSION_MOMENT  # the suite's clock again (tests/conftest.py)
