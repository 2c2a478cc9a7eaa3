"""``client.property_types`` against the emulator: round trip, filters, value helpers."""

from __future__ import annotations

import pytest

from blockbax_async import AsyncClient
from blockbax_async.errors import APIError, NotFoundError
from blockbax_async.models import Location, PropertyValue


async def test_round_trip_and_filters(client: AsyncClient) -> None:
    city = await client.property_types.create(
        name="City",
        external_id="city",
        data_type="TEXT",
        predefined_values=True,
        values=[PropertyValue(text="Amsterdam", caption="The capital")],
    )
    place = await client.property_types.create(
        name="Place", external_id="place", data_type="LOCATION"
    )
    assert await client.property_types.get(city.id or "") == city
    assert [p.name async for p in client.property_types.list(name="cit")] == ["City"]
    assert [p.name async for p in client.property_types.list(external_id="place")] == ["Place"]
    assert len(await client.property_types.list().collect()) == 2
    amsterdam = city.values[0]
    city.add_value(text="Rotterdam")
    city.change_value(amsterdam.id or "", text="Amsterdam", caption="Capital")
    updated = await client.property_types.update(city)
    assert [(v.text, v.caption) for v in updated.values] == [
        ("Amsterdam", "Capital"),
        ("Rotterdam", None),
    ]
    assert updated.values[0].id == amsterdam.id and updated.values[1].id
    updated.remove_value(amsterdam.id or "")
    assert [v.text for v in (await client.property_types.update(updated)).values] == ["Rotterdam"]
    place.values.append(PropertyValue(location=Location(95, 4)))
    with pytest.raises(APIError, match="location"):
        await client.property_types.update(place)
    await client.property_types.delete(place.id or "")
    with pytest.raises(NotFoundError):
        await client.property_types.get(place.id or "")
