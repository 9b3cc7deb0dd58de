"""structlog, configured once: JSON lines in production, readable console in development.

Standard-library loggers (SQLAlchemy, Alembic, temporalio) go through the same
renderer, so one process writes one format.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog
from structlog.typing import Processor
from temporalio import activity, workflow

SHARED_PROCESSORS: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    # Lifts `extra=` fields, e.g. the SDK's `temporal_workflow` and our `step`, into the event.
    structlog.stdlib.ExtraAdder(
        allow=("step", "cycle", "chair", "temporal_workflow", "temporal_activity")
    ),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(*, level: str, fmt: Literal["console", "json"]) -> None:
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that narrate every request or migration step at INFO.
    for chatty in ("alembic", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # Workflow and activity context travels as fields (ExtraAdder), not in the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
