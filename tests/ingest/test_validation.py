"""Value checks at queue(): pure tables, then the queue's own behaviour on bad calls."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from blockbax_async import AsyncClient, IngestSettings
from blockbax_async.errors import ClientStateError, QueueFullError, ValidationError
from blockbax_async.ingest._batches import build_body, lane_of
from blockbax_async.ingest._values import check_location, check_number, check_value, to_epoch_ms
from blockbax_async.models import Location

ID = "Pump-1$Temperature"
UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (21.5, 21.5),
        (0.1 + 0.2, 0.1 + 0.2),  # binary noise is not a 9th fractional digit
        (3 * 0.1, 3 * 0.1),
        (1.12345678, 1.12345678),
        (-99999999999999999999.0 / 10, -9999999999999999999.9),
        (7, 7),
        (10**19, 10**19),
        (-(10**20) + 1, Decimal(-(10**20) + 1)),  # beyond 64 bits: sent exactly
        (Decimal("1.12345678"), Decimal("1.12345678")),
        (Decimal("1.500000000000"), Decimal("1.500000000000")),  # trailing zeros are fine
        (Decimal("12345678901234567890.12345678"), Decimal("12345678901234567890.12345678")),
        (Decimal("1.100000000000000000000"), Decimal("1.1")),
        (Decimal("99999999999999999999.5000000000"), Decimal("99999999999999999999.5")),
        (Decimal("-0E-30"), Decimal("-0")),
        (Decimal("1E+5"), Decimal("1E+5")),
        (np.int64(-7), -7),
        (np.uint64(2**64 - 1), 2**64 - 1),
        (np.float32(0.5), 0.5),
    ],
)
def test_good_numbers(value: Any, expected: Any) -> None:
    checked = check_number(value, ID)
    assert checked == expected
    assert type(checked) is type(expected)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (Decimal("1.100000000000000000000"), b"1.1"),
        (Decimal("1.500000000000"), b"1.5"),
        (Decimal("1E+5"), b"100000"),
        (Decimal("12345678901234567890.12345678"), b"12345678901234567890.12345678"),
        (2**64 - 1, b"18446744073709551615"),
        (-(10**20) + 1, b"-99999999999999999999"),
    ],
)
def test_numbers_are_sent_as_checked(value: Any, sent: bytes) -> None:
    body = build_body([ID], [0], [check_number(value, ID)])
    assert body.endswith(b'"number":' + sent + b"}]}]}")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (math.nan, "not finite"),
        (math.inf, "not finite"),
        (-math.inf, "not finite"),
        (1e20, "more than 20 digits"),
        (-1e21, "more than 20 digits"),
        (10**20, "more than 20 digits"),
        (1.123456789, "more than 8 fractional digits"),
        (1e-9, "more than 8 fractional digits"),
        (Decimal("NaN"), "not finite"),
        (Decimal("0.000000001"), "more than 8 fractional digits"),
        (Decimal("1E+20"), "more than 20 digits"),
        # 31 fractional digits: normalize() in the default context rounds this to 1
        (Decimal("1.0000000000000000000000000000001"), "more than 8 fractional digits"),
        (True, "not a number"),
        ("21.5", "not a number"),
        (None, "not a number"),
    ],
)
def test_bad_numbers(value: Any, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as caught:
        check_number(value, ID)
    assert "number" in str(caught.value) and ID in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"lat": 52.1, "lon": 4.3}, {"lat": 52.1, "lon": 4.3}),
        ({"lat": -90, "lon": 180, "alt": 12.5}, {"lat": -90, "lon": 180, "alt": 12.5}),
        (Location(lat=10.3, lon=11.2, alt=12.1), {"lat": 10.3, "lon": 11.2, "alt": 12.1}),
        (Location(lat=10.3, lon=11.2), {"lat": 10.3, "lon": 11.2}),
    ],
)
def test_good_locations(value: Any, expected: dict[str, float]) -> None:
    assert check_location(value, ID) == expected


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"lat": 95, "lon": 4.3}, "location.lat"),
        ({"lat": 52, "lon": -180.5}, "location.lon"),
        ({"lat": math.nan, "lon": 4.3}, "location.lat"),
        ({"lat": 52, "lon": 4, "alt": 1e20}, "location.alt"),
        ({"lat": 52}, "lon missing"),
        ({"latitude": 52, "lon": 4}, "unknown keys"),
        ((52, 4), "give a Location or a mapping"),
    ],
)
def test_bad_locations(value: Any, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        check_location(value, ID)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (1_700_000_000_123, 1_700_000_000_123),
        (0, 0),
        (1_700_000_000_123.9, 1_700_000_000_123),
        (datetime(2021, 1, 9, 12, 0, 0, 123999, tzinfo=UTC), 1610193600123),
        (datetime(2021, 1, 9, 14, 0, tzinfo=timezone(timedelta(hours=2))), 1610193600000),
        ("2021-01-09T12:00:00.123+00:00", 1610193600123),
        ("2021-01-09T12:00:00.123Z", 1610193600123),
        ("2021-01-09T12:00:00.123456789+0000", 1610193600123),
        ("2021-01-09T14:00:00+02:00", 1610193600000),
        ("9999-12-31T23:59:59.999Z", 253402300799999),
        (datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), -1),
        (np.int64(1_700_000_000_123), 1_700_000_000_123),
        (np.float64(1_700_000_000_123.5), 1_700_000_000_123),
        (999_999_999, 999_999_999),  # below the seconds range: milliseconds
        (10_000_000_000, 10_000_000_000),  # above it
        (-1_700_000_000, -1_700_000_000),
        (datetime(1970, 2, 1, tzinfo=UTC), 2_678_400_000),  # a datetime is never seconds
        ("1970-02-01T00:00:00Z", 2_678_400_000),
    ],
)
def test_good_dates(date: Any, expected: int) -> None:
    assert to_epoch_ms(date, ID) == expected


@pytest.mark.parametrize(
    ("date", "problem"),
    [
        (datetime(2021, 1, 9, 12, 0), "naive"),
        ("2021-01-09T12:00:00", "naive"),
        ("2021-01-09", "naive"),
        ("yesterday", "not ISO 8601"),
        (253402300800000, "outside"),
        (math.nan, "not finite"),
        (True, "not a date"),
        (b"2021", "give an aware datetime"),
        (1_700_000_000, r"looks like epoch seconds; give milliseconds \(x1000\)"),
        (1_700_000_000.25, "looks like epoch seconds"),  # time.time()
        (np.int64(1_700_000_000), "looks like epoch seconds"),
        (1_000_000_000, "looks like epoch seconds"),
        (9_999_999_999, "looks like epoch seconds"),
        (Decimal(1_700_000_000_000), "give an aware datetime"),
    ],
)
def test_bad_dates(date: Any, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as caught:
        to_epoch_ms(date, ID)
    assert "date" in str(caught.value)


@pytest.mark.parametrize(
    ("number", "location", "text", "problem"),
    [
        (None, None, None, "got none"),
        (1.0, None, "x", "got number and text"),
        (1.0, {"lat": 1, "lon": 2}, None, "got number and location"),
        (None, None, 5, "text: 5"),
        (None, None, "x" * 1001, "1001 characters"),
        (None, None, "x\udcff", r"text: 'x\\udcff' \(for .*lone surrogate"),
        (None, None, "\ud800" * 1001, "1001 characters"),
    ],
)
def test_one_value(number: Any, location: Any, text: Any, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        check_value(ID, number, location, text)


def test_text_of_the_maximum_length_passes() -> None:
    assert check_value(ID, None, None, "x" * 1000) == "x" * 1000


@pytest.mark.parametrize(
    ("ids", "lanes", "same"),
    [
        (["A$x", "A$y", "A$z"], 8, True),  # one subject, one lane
        (["A", "A$x"], 8, True),  # no "$": the whole ID is the subject
        (["A$x", "B$x"], 1, True),
    ],
)
def test_lanes_follow_subjects(ids: list[str], lanes: int, same: bool) -> None:
    assert (len({lane_of(i, lanes) for i in ids}) == 1) is same


def test_lanes_spread_and_are_stable() -> None:
    lanes = [lane_of(f"subject-{n}$temp", 8) for n in range(800)]
    assert set(lanes) == set(range(8))
    assert all(60 <= lanes.count(k) <= 140 for k in range(8))
    assert lane_of("subject-1$temp", 8) == lane_of("subject-1$temp", 8) == 3


Offline = Callable[..., AsyncClient]


@pytest.fixture
async def offline() -> AsyncIterator[Offline]:
    """Clients of a server that is not there, closed (without waiting) after the test."""
    made: list[AsyncClient] = []

    def make(**settings: Any) -> AsyncClient:
        made.append(
            AsyncClient(
                "p",
                "secret-token",
                base_url="http://127.0.0.1:9",
                ingest=IngestSettings(close_timeout=0, **settings),
            )
        )
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


def test_a_bad_call_leaves_the_queue_as_it_was(offline: Offline) -> None:
    measurements = offline().measurements
    measurements.queue(ID, number=1.5, date=1000)
    measurements.queue(ID, number=2.5, date=2000)
    before = measurements.pending()
    for bad in (
        {"number": math.nan},
        {"number": 1.0, "text": "x"},
        {"location": {"lat": 91, "lon": 0}},
        {"number": 1.0, "date": datetime(2021, 1, 1)},
        {},
    ):
        with pytest.raises(ValidationError):
            measurements.queue(ID, **bad)
    with pytest.raises(ValidationError, match="ingestion_id"):
        measurements.queue("", number=1.0)
    assert measurements.pending() == before
    assert len(measurements) == 2


def test_queue_keeps_compact_records(offline: Offline) -> None:
    measurements = offline().measurements
    measurements.queue(ID, number=21.5, date=1000)
    measurements.queue(ID, number=7, date="1970-01-01T00:00:02Z")
    measurements.queue(ID, location=Location(lat=1.5, lon=2.5), date=3000)
    measurements.queue(ID, text="open", date=datetime(1970, 1, 1, 0, 0, 4, tzinfo=UTC))
    pending = measurements.pending()
    assert [(m.date, m.value) for m in pending] == [
        (1000, 21.5),
        (2000, 7),
        (3000, {"lat": 1.5, "lon": 2.5}),
        (4000, "open"),
    ]
    assert pending[2].as_kwargs() == {"date": 3000, "location": {"lat": 1.5, "lon": 2.5}}


def test_missing_date_means_now(offline: Offline) -> None:
    measurements = offline().measurements
    before = datetime.now(UTC).timestamp() * 1000
    measurements.queue(ID, number=1.0)
    after = datetime.now(UTC).timestamp() * 1000
    (queued,) = measurements.pending()
    assert queued.date is not None and before - 1 <= queued.date <= after + 1


def test_queue_full_is_a_clear_error(offline: Offline) -> None:
    measurements = offline(max_queued=3).measurements
    for n in range(3):
        measurements.queue(ID, number=float(n), date=n)
    with pytest.raises(QueueFullError, match="maximum of 3"):
        measurements.queue(ID, number=9.0, date=9)
    with pytest.raises(QueueFullError):
        measurements.queue("other$x", number=9.0, date=9)
    assert len(measurements) == 3


async def test_closed_queue_refuses(offline: Offline) -> None:
    client = offline()
    await client.aclose()
    with pytest.raises(ClientStateError, match="closed"):
        client.measurements.queue(ID, number=1.0)
    with pytest.raises(ClientStateError):
        await client.measurements.flush()


@pytest.mark.parametrize(
    "settings",
    [{"batch_size": 501}, {"batch_size": 0}, {"lanes": 0}, {"max_queued": 0}],
)
def test_settings_are_checked(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        IngestSettings(**settings)
