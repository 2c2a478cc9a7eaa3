"""A local Blockbax API server (aiohttp.web) for tests, demos and users' own test suites.

Three ways to use it: `python -m blockbax_async emulator --port 8080`;
`async with Emulator() as emu:` in a test; or the pytest fixture `blockbax_emulator`
that the `blockbax_async.pytest_plugin` module provides.
"""

from ._server import DEFAULT_API_KEY, DEFAULT_PROJECT_ID, Emulator, Faults, RateLimit, RequestRecord
from ._state import Invalid, ResourceSpec, State

__all__ = [
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
