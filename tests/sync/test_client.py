"""The blocking client over the emulator: forwarding, threads, running loops, lifecycle."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from blockbax_async import AsyncClient, sync
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ClientStateError, NotFoundError


@pytest.fixture
def served() -> Iterator[Emulator]:
    with Emulator().in_thread() as emulator:
        yield emulator


@pytest.fixture
def client(served: Emulator) -> Iterator[sync.Client]:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as c:
        yield c


def test_namespaces_forward(client: sync.Client) -> None:
    assert client.project.get().name == "Emulated project"
    created = client.property_types.create(name="City", external_id="city", data_type="TEXT")
    assert client.property_types.get(created.id or "").name == "City"
    created.name = "Town"
    assert client.property_types.update(created).name == "Town"
    client.property_types.delete(created.id or "")
    with pytest.raises(NotFoundError):
        client.property_types.get(created.id or "")


def test_list_is_a_lazy_iterator(served: Emulator, client: sync.Client) -> None:
    for i in range(450):
        served.state.insert(
            "propertyTypes",
            {"name": f"P{i}", "externalId": f"p{i}", "dataType": "TEXT", "predefinedValues": False},
        )
    listing = client.property_types.list()
    first = next(iter(listing))
    assert first.name == "P0"
    assert [p.name for p in listing] == [f"P{i}" for i in range(450)]
    assert len(client.property_types.list(limit=10).collect()) == 10
    assert [len(page.items) for page in client.property_types.list().pages()] == [200, 200, 50]


async def test_works_inside_a_running_loop(client: sync.Client) -> None:
    assert asyncio.get_running_loop().is_running()
    assert client.project.get().name == "Emulated project"


def test_eight_threads_at_once(client: sync.Client) -> None:
    def work(i: int) -> str:
        created = client.property_types.create(
            name=f"T{i}", external_id=f"t{i}", data_type="NUMBER"
        )
        return client.property_types.get(created.id or "").name

    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(work, range(40)))
    assert names == [f"T{i}" for i in range(40)]


def test_closed_client_refuses(served: Emulator) -> None:
    client = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    client.close()
    client.close()
    with pytest.raises(ClientStateError, match="closed"):
        client.project.get()


def test_token_not_in_repr(client: sync.Client, served: Emulator) -> None:
    assert served.api_key not in repr(client)


def _methods(namespace: object) -> set[str]:
    kind = type(namespace)
    return {m for m in dir(kind) if not m.startswith("_") and inspect.isfunction(getattr(kind, m))}


def test_every_async_method_has_a_sync_twin(client: sync.Client) -> None:
    async_client = AsyncClient("p", "t")
    namespaces = [n for n, v in vars(async_client).items() if not n.startswith("_") and _methods(v)]
    assert {"project", "property_types"} <= set(namespaces)
    for name in namespaces:
        async_namespace, sync_namespace = getattr(async_client, name), getattr(client, name)
        assert _methods(async_namespace) <= _methods(sync_namespace), name
        for method in _methods(async_namespace):
            theirs = inspect.signature(getattr(type(async_namespace), method))
            ours = inspect.signature(getattr(type(sync_namespace), method))
            assert ours.parameters == theirs.parameters, (name, method)
