"""Feed tokens stay out of the access log.

A feed URL carries its token (``/v1/feeds/<token>/cycles/2027.ics``), and uvicorn logs
every request's path on the ``uvicorn.access`` logger. ``ascn up`` runs uvicorn with
``log_config=None``, so those records go to our own handlers (``ascn.logging``) as
they are: JSON lines in production, kept and shipped like any log. This filter on that
logger rewrites the path's token segment before any handler sees the record. Any
segment after ``/v1/feeds/`` is redacted except a feed's public id (``feed_...``), so
that a token sent to the wrong route is not logged either. A ``token`` query parameter
(the web pages' sign-in link) is redacted too.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_TOKEN_SEGMENT = re.compile(r"(/v1/feeds/)(?!feed_[0-9a-f]{12}(?:[/?#\s\"]|$))[^/?#\s\"]+")


_TOKEN_PARAMETER = re.compile(r"([?&]token=)[^&#\s\"]+")
"""A sign-in link's token (``/app/signin/link?token=...``): redacted the same way."""


def redact(text: str) -> str:
    text = _TOKEN_PARAMETER.sub(rf"\g<1>{REDACTED}", text)
    return _TOKEN_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class RedactFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_feed_tokens_in_access_log() -> None:
    """Install the filter on uvicorn's access logger, once per process. Filters on a
    logger survive uvicorn's own logging set-up, whatever its log_config."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
        logger.addFilter(RedactFeedTokens())
