"""The public import paths of the blocking layer, as before it became a package."""

from __future__ import annotations

import importlib

import pytest


def test_the_public_names_import_from_blockbax_async_sync() -> None:
    from blockbax_async.sync import (
        Client,
        HttpClient,
        MeasurementsNamespace,
        ProjectResources,
        SyncPaginator,
        SyncReceipt,
    )

    assert Client.__name__ == "Client" and HttpClient.__name__ == "HttpClient"
    assert {c.__module__ for c in (Client, SyncReceipt, SyncPaginator, HttpClient)} == {
        "blockbax_async.sync._client",
        "blockbax_async.sync._measurements",
        "blockbax_async.sync._namespaces",
        "blockbax_async.sync._official",
    }
    assert MeasurementsNamespace.checkpoint.__annotations__["return"] == "SyncReceipt"
    assert ProjectResources.__name__ == "ProjectResources"


def test_the_version_shim_name_is_gone() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("blockbax_async._compat")
