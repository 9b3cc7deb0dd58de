"""Activity logs carry the workflow id, the step and the attempt."""

from __future__ import annotations

import structlog
from temporalio import activity


def activity_logger(**context: object) -> structlog.stdlib.BoundLogger:
    info = activity.info()
    logger: structlog.stdlib.BoundLogger = structlog.get_logger("ascn.activity")
    return logger.bind(
        workflow_id=info.workflow_id,
        activity=info.activity_type,
        attempt=info.attempt,
        **context,
    )
