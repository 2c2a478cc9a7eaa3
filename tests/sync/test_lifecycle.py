"""The blocking client's lifecycle: a forked child's copy, and clients forgotten at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from blockbax_async import IngestSettings, sync
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import ClientStateError

from .test_client import seed_subjects


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_gets_a_clear_error(served: Emulator) -> None:
    (ingestion_id,) = seed_subjects(served, 1)
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        client.measurements.queue(ingestion_id, number=1.0, date=1)
        pid = os.fork()
        if pid == 0:  # the child: report through the exit code only
            code = 10
            try:
                client.project.get()
            except ClientStateError as error:
                code = 0 if "fork" in str(error) else 11
            try:
                client.measurements.queue(ingestion_id, number=2.0, date=2)
                code = 12
            except ClientStateError:
                pass
            client.close()  # the parent owns the queue: nothing is sent from here
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert client.project.get().name == "Emulated project"
    assert served.state.measurements[ingestion_id] == [{"date": 1, "number": 1.0}]


SCRIPT = """
    import sys
    from blockbax_async import sync

    def forget():
        client = sync.Client(sys.argv[1], sys.argv[2], base_url=sys.argv[3])
        for n in range(1000):
            client.measurements.queue(sys.argv[4], number=float(n), date=n)

    forget()
    print("queued and forgotten")
"""


def test_a_forgotten_client_is_flushed_at_exit(served: Emulator) -> None:
    (ingestion_id,) = seed_subjects(served, 1)
    args = [served.project_id, served.api_key, served.base_url, ingestion_id]
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "queued and forgotten"
    assert [m["date"] for m in served.state.measurements[ingestion_id]] == list(range(1000))


def test_pending_after_close_tells_what_was_not_delivered(served: Emulator) -> None:
    (ingestion_id,) = seed_subjects(served, 1)
    served.faults = Faults(error_rate=1.0)
    settings = IngestSettings(close_timeout=0.2)
    client = sync.Client(
        served.project_id, served.api_key, base_url=served.base_url, ingest=settings, max_retries=0
    )
    client.measurements.queue(ingestion_id, number=1.0, date=1)
    client.close()
    assert [m.value for m in client.measurements.pending()] == [1.0]
    assert client.measurements.close_result is not None
    with pytest.raises(ClientStateError):
        client.measurements.queue(ingestion_id, number=2.0, date=2)
