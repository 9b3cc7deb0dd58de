"""One Temporal runtime per command, ended while the interpreter still runs.

The SDK's core runs Tokio threads that call back into Python. Its default runtime
lives in a module global until the interpreter finalizes, and a core thread that
touches the GIL then aborts the process: "Fatal Python error: PyGILState_Release ...
Python runtime state: finalizing", exit 134 (3 in 10 refused commands did;
temporalio/sdk-python#300). So a command that talks to Temporal makes a runtime of
its own on the main thread, hands it to every client and test server it starts,
runs one event loop (``asyncio.run``, which also ends the loop's own tasks) and
then lets go of the runtime: the last reference to it joins the core's threads,
with the GIL released, before the interpreter starts to finalize.

``ascn.cli.main`` forbids the default runtime, so a client connected without one
fails loudly instead of crashing at exit, and frees what a traceback still holds
(a client, hence its runtime) before the process exits.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

T = TypeVar("T")

QUIET = TelemetryConfig(
    logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
)
"""For the time-skipping test server, whose capabilities the core warns about."""


def run_with_runtime(
    main: Callable[[Runtime], Coroutine[Any, Any, T]], *, telemetry: TelemetryConfig | None = None
) -> T:
    """``asyncio.run(main(runtime))`` with a runtime made for this call and dropped after."""
    runtime: Runtime | None = Runtime(telemetry=telemetry or TelemetryConfig())
    try:
        assert runtime is not None
        return asyncio.run(main(runtime))
    finally:
        # Our reference goes; clients are gone with the loop (unless an error's traceback
        # holds one: ascn.cli.main collects it once the error is reported).
        runtime = None
        gc.collect()
