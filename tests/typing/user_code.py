"""User-style code that must type-check under ``mypy --strict`` as it is written here: no
``assert model.id``, no casts but for a value read from configuration. Checked by the
repository's mypy run and by ``test_typing.py``; never executed."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import cast

from blockbax_async import AsyncClient, Hooks, RawResponse, Response, errors, sync
from blockbax_async.models import Metric, Subject
from blockbax_async.types import MetricDataType


class Printer(Hooks):
    def on_response(self, attempt: object, response: Response) -> None:
        print(response.status_code, response.headers.get("X-RateLimit-Remaining"))


async def service(client: AsyncClient) -> None:
    pump = await client.subject_types.create(name="Pump")
    metric = await client.metrics.create(
        subject_type_id=pump.id, name="Temperature", data_type="NUMBER", external_id="temp"
    )
    subject = await client.subjects.create(name="P1", subject_type_id=pump, external_id="p1")
    again: Subject = await client.subjects.get(subject.id)
    print(again.name, metric.id)
    listed: list[Metric] = await client.metrics.list(subject_type_ids=[pump.id]).collect()
    print(len(listed))
    async for event in client.events.list(event_levels=["WARNING", "PROBLEM"]):
        print(event.id)

    raw: RawResponse[Subject] = await client.subjects.with_raw_response.get(subject)
    status: int = raw.status_code
    parsed: Subject = raw.parse()
    print(status, parsed.external_id, raw.headers.get("X-RateLimit-Limit"))
    page = await client.metrics.with_raw_response.list(subject_type_ids=[pump])
    first: list[Metric] = page.parse().items
    print(first)

    fast = client.with_options(timeout=2.0, max_retries=0, retry_deadline=5)
    print((await fast.project.get()).name)
    found = await client.request("GET", "/subjects", params={"externalId": "p1"})
    print(found)

    data_type = cast(MetricDataType, os.environ.get("DATA_TYPE", "NUMBER").upper())
    await client.metrics.create(
        subject_type_id=pump.id, name="Other", data_type=data_type, external_id="other"
    )
    try:
        await client.subjects.delete(subject)
    except errors.RateLimitError as error:
        wait: timedelta | None = error.reset_time_remaining
        print(wait, error.limit, error.remaining)
    except errors.APIError as error:
        if error.response is not None:
            print(error.response.status_code, error.response.content)


def script() -> None:
    with sync.Client(hooks=[Printer()]) as client:
        pump = client.subject_types.create(name="Pump")
        client.metrics.create(
            subject_type_id=pump.id, name="Text", data_type="TEXT", external_id="text"
        )
        raw = client.subjects.with_raw_response.get("1")
        print(raw.status_code, client.with_options(timeout=1).project.get().name)
        print(client.request("GET", ""))
