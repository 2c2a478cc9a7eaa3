"""Client options, retry policy and ingest settings: a wrong type or range is a
ValidationError naming the option and the value, raised before anything is set up."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from blockbax_async import AsyncClient, Hooks, IngestSettings, RetryPolicy
from blockbax_async._checks import check_bool, check_int, check_items, check_number, check_str
from blockbax_async._client import ingest_settings
from blockbax_async._config import is_loopback
from blockbax_async.errors import ValidationError

TOKEN = "secret-token-1234"


def _client(**options: Any) -> AsyncClient:
    return AsyncClient(**{"project_id": "p-1", "access_token": TOKEN, **options})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": "5"}, "timeout: '5' is not a number"),
        ({"timeout": 0}, "timeout: 0 is not above 0"),
        ({"timeout": float("inf")}, "timeout: inf is not a finite number"),
        ({"connect_timeout": None}, "connect_timeout: None is not a number"),
        ({"max_retries": -1}, "max_retries: -1 is below 0"),
        ({"max_retries": 2.5}, "max_retries: 2.5 is not a whole number"),
        ({"max_retries": True}, "max_retries: True is not a whole number"),
        ({"retry_deadline": 0}, "retry_deadline: 0 is not above 0"),
        ({"backoff_base": -1}, "backoff_base: -1 is below 0"),
        ({"backoff_max": "1"}, "backoff_max: '1' is not a number"),
        ({"rate_limit": "no"}, "rate_limit: 'no' is not True or False"),
        ({"ssl": "yes"}, "ssl: 'yes' is not an ssl.SSLContext, True or False"),
        ({"connection_limit": 0}, "connection_limit: 0 is below 1"),
        ({"connection_limit": "10"}, "connection_limit: '10' is not a whole number"),
        ({"base_url": 5}, "base_url: 5 is not a string"),
        ({"base_url": "api.blockbax.com"}, "base_url: 'api.blockbax.com' is not an http(s)://"),
        (
            {"base_url": "https://api.blockbax.com/v1/projects/abc"},
            "holds the API path; give "
            "the server root ('https://api.blockbax.com') and pass project_id",
        ),
        ({"base_url": "https://api.blockbax.com/v1"}, "holds the API path"),
        ({"base_url": "https://api.blockbax.com?x=1"}, "a server root has no query"),
        ({"base_url": "ftp://api.blockbax.com"}, "is not an http(s):// URL"),
        ({"base_url": "https://"}, "is not an http(s):// URL"),
        ({"hooks": [object()]}, "hooks[0]: <object object at"),
        ({"hooks": "x"}, "hooks: give a list"),
        ({"session": object()}, "session: <object object at"),
        ({"project_id": 5}, "project_id: 5 is not a string"),
        ({"project_id": "a/b"}, "project_id: 'a/b' is not a project id"),
        ({"access_token": 5}, "access_token: a int is not a string"),
        ({"ingest": 5}, "ingest: 5 is not an IngestSettings or a mapping"),
        ({"ingest": {"lanes": "2"}}, "ingest.lanes: '2' is not a whole number"),
        ({"ingest": {"lanes": 0}}, "ingest.lanes: 0 is below 1"),
        ({"ingest": {"lane": 2}}, "ingest: unknown key 'lane' (known: max_queued, lanes"),
        ({"ingest": {"batch_size": 501}}, "ingest.batch_size: 501 is above 500"),
    ],
)
def test_a_bad_option_is_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _client(**options)
    assert message in str(caught.value)


@pytest.mark.parametrize("token", [b"secret-token-1234", "secret token", "secret\ntoken", ""])
def test_a_bad_access_token_is_never_shown(token: Any) -> None:
    with pytest.raises(ValidationError, match="access_token") as caught:
        _client(access_token=token)
    assert "secret" not in str(caught.value)


def test_good_options_pass() -> None:
    client = _client(
        timeout=5,
        max_retries=0,
        ssl=ssl.create_default_context(),
        connection_limit=1,
        base_url="http://localhost:8080/",
        ingest={"lanes": 2, "flushInterval": 0.5},
    )
    assert client.config.timeout == 5
    assert client.config.base_url == "http://localhost:8080"


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://api.blockbax.com", "https://api.blockbax.com"),
        ("https://gateway.example.com/blockbax/", "https://gateway.example.com/blockbax"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.2:1", "http://127.0.0.2:1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_a_server_root_is_taken(url: str, root: str) -> None:
    assert _client(base_url=url).config.base_url == root


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:1", True),
        ("http://app.localhost", True),
        ("http://127.0.0.1", True),
        ("http://127.9.9.9:80", True),
        ("http://[::1]", True),
        ("http://10.0.0.1", False),
        ("http://api.blockbax.com", False),
        ("http://localhost.example.com", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_plain_http_to_another_machine_warns() -> None:
    with pytest.warns(UserWarning, match="plain http to another machine"):
        _client(base_url="http://blockbax.internal")


def test_with_options_shares_the_pipeline_and_checks_its_values() -> None:
    client = _client(hooks=[Hooks()])
    fast = client.with_options(timeout=2, max_retries=0, retry_deadline=5)
    assert (fast.config.timeout, fast.config.retry.max_retries, fast.config.retry.deadline) == (
        2, 0, 5
    )  # fmt: skip
    assert (client.config.timeout, client.config.retry.max_retries) == (30.0, 4)
    assert fast.transport.limiter is client.transport.limiter
    assert fast.transport.hooks is client.transport.hooks
    assert fast.measurements is client.measurements
    assert fast.with_options(timeout=3).config.retry.max_retries == 0
    with pytest.raises(ValidationError, match="max_retries: -1 is below 0"):
        client.with_options(max_retries=-1)
    with pytest.raises(ValidationError, match="timeout: '5' is not a number"):
        client.with_options(timeout="5")  # type: ignore[arg-type]


def test_ingest_takes_a_mapping_or_settings() -> None:
    assert ingest_settings({"lanes": 2, "close_timeout": 1}) == IngestSettings(
        lanes=2, close_timeout=1
    )
    settings = IngestSettings(lanes=3)
    assert ingest_settings(settings) is settings
    assert ingest_settings(None) is None


@pytest.mark.parametrize(
    ("cls", "fields", "message"),
    [
        (IngestSettings, {"lanes": "2"}, "lanes: '2' is not a whole number"),
        (IngestSettings, {"flush_interval": 0}, "flush_interval: 0 is not above 0"),
        (IngestSettings, {"max_queued": None}, "max_queued: None is not a whole number"),
        (RetryPolicy, {"max_retries": "3"}, "max_retries: '3' is not a whole number"),
        (RetryPolicy, {"deadline": -1}, "retry_deadline: -1 is not above 0"),
    ],
)
def test_settings_classes_check_their_fields(
    cls: type[Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        cls(**fields)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("check", "value", "bounds", "message"),
    [
        (check_str, 5, {}, "f: 5 is not a string"),
        (check_str, "x\udcff", {}, "cannot be encoded as UTF-8"),
        (check_bool, 1, {}, "f: 1 is not True or False"),
        (check_int, "10", {}, "f: '10' is not a whole number"),
        (check_int, False, {}, "f: False is not a whole number"),
        (check_int, 3, {"maximum": 2}, "f: 3 is above 2"),
        (check_number, "1.5", {}, "f: '1.5' is not a number"),
        (check_number, float("nan"), {}, "f: nan is not a finite number"),
        (check_number, 0, {"above": 0}, "f: 0 is not above 0"),
        (check_items, "abc", {}, "f: give a list, not 'abc'"),
        (check_items, {"a": 1}, {}, "f: give a list, not {'a': 1}"),
        (check_items, 5, {}, "f: give a list, not 5"),
    ],
)
def test_checks(check: Any, value: Any, bounds: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check("f", value, **bounds)
    assert message in str(caught.value)


def test_long_values_are_cut_short_in_messages() -> None:
    with pytest.raises(ValidationError) as caught:
        check_int("f", "x" * 500)
    assert len(str(caught.value)) < 150


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (check_int, 7, 7),
        (check_number, 7, 7),
        (check_number, 2.5, 2.5),
        (check_bool, False, False),
        (check_items, (1, 2), [1, 2]),
        (check_items, iter("ab"), ["a", "b"]),
    ],
)
def test_checks_pass_good_values(check: Any, value: Any, expected: Any) -> None:
    got = check("f", value)
    assert got == expected
    assert type(got) is type(expected)
