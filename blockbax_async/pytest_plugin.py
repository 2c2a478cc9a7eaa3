"""A pytest fixture for users' own tests: `blockbax_emulator`, a running emulator.

Installed with the package (a `pytest11` entry point), so a test only names it. It serves
from a thread of its own, so it works in sync and async tests alike:

```python
def test_sync_job(blockbax_emulator):
    run_my_job(
        base_url=blockbax_emulator.base_url,
        project_id=blockbax_emulator.project_id,
        access_token=blockbax_emulator.api_key,
    )
```
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .emulator import Emulator

__all__ = ["blockbax_emulator"]


@pytest.fixture
def blockbax_emulator() -> Iterator[Emulator]:
    """An emulator on a free loopback port, stopped after the test."""
    with Emulator().in_thread() as emulator:
        yield emulator
