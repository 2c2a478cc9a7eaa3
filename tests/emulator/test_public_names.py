"""The emulator's public import paths, pinned: its modules moved, these names did not."""

from __future__ import annotations

import blockbax_async.emulator
import blockbax_async.emulator.seed
from blockbax_async.emulator import seed


def test_the_emulator_names() -> None:
    assert sorted(blockbax_async.emulator.__all__) == [
        "DEFAULT_API_KEY",
        "DEFAULT_PROJECT_ID",
        "Emulator",
        "Faults",
        "Invalid",
        "RateLimit",
        "RequestRecord",
        "ResourceSpec",
        "State",
    ]
    for name in blockbax_async.emulator.__all__:
        assert getattr(blockbax_async.emulator, name) is not None
    assert seed is blockbax_async.emulator.seed
    assert sorted(seed.__all__) == [
        "alarm",
        "alarm_activity",
        "event",
        "subjects",
        "webhook_response",
    ]
    assert all(callable(getattr(seed, name)) for name in seed.__all__)
