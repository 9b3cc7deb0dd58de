"""One answer per Idempotency-Key: a retry gets the first request's answer, and a key
reused for another request is refused.

Temporal already gives a command one effect per key: the key becomes the update id,
and Temporal answers a second update with that id from the first. What it cannot do
is tell a retry from a new request that reuses the key, nor keep the answer to a
command the cycle refused (a refused update leaves no trace in Temporal). So the API
keeps, per (actor, key), the request's fingerprint and its answer:

1. ``begin`` claims the key (an insert that only the first request makes) or finds
   it. Another fingerprint under the key is ``KeyReused`` (422). A stored answer is
   returned as it is, and the request goes no further.
2. Otherwise the command is sent: by the first request, or by one whose twin is
   still being answered (or crashed before answering). Both send the same update id,
   so Temporal runs the command once and gives both its outcome.
3. ``finish`` stores the answer unless a twin stored one first, and returns the one
   stored, so that twins answer alike. An answer not worth repeating (Temporal or the
   store unavailable: try again) is not stored: ``abandon`` frees the key.

Keys are kept ``TTL`` (7 days) from their first use; after that the same key is a new
request (Temporal may still recognise its update id while the cycle's run lasts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from eventstore.engine import WRITE_OPTION, is_postgresql
from eventstore.hashing import canonical_json
from eventstore.readmodels.accounts_tables import api_idempotency as keys

TTL = timedelta(days=7)
HEADER = "Idempotency-Key"


class KeyReused(Exception):
    """The key was first used for another request (another route or body)."""

    def __init__(self, key: str, first_route: str) -> None:
        super().__init__(
            f"{HEADER} {key!r} was already used for another request ({first_route}, with "
            "its own body); a retry must repeat that request exactly, a new request needs "
            "a new key"
        )
        self.key = key


@dataclass(frozen=True)
class Keyed:
    """A request sent with a key: who sent it, and what a retry must repeat."""

    actor: str
    key: str
    route: str
    """``METHOD /path``."""
    body: Any
    """The request's body as JSON (None without one)."""

    @property
    def fingerprint(self) -> str:
        text = f"{self.route}\n{canonical_json(self.body)}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def where(self) -> Any:
        return and_(keys.c.actor == self.actor, keys.c.key == self.key)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def begin(engine: Engine, request: Keyed, now: datetime) -> Answer | None:
    """The stored answer to this request, or None: send it (see the module's docstring)."""
    with _writing(engine) as conn:
        # Expired keys go first, so an expired one is claimed afresh just below.
        conn.execute(delete(keys).where(keys.c.expires_at <= now))
        values = {
            "actor": request.actor, "key": request.key, "route": request.route,
            "request_sha256": request.fingerprint, "status": None, "answer": None,
            "created_at": now, "expires_at": now + TTL,
        }  # fmt: skip
        dialect_insert: Callable[[Any], Any] = pg_insert if is_postgresql(conn) else sqlite_insert
        conn.execute(dialect_insert(keys).values(**values).on_conflict_do_nothing())
        row = conn.execute(select(keys).where(request.where())).one()
    if row.request_sha256 != request.fingerprint:
        raise KeyReused(request.key, row.route)
    return None if row.status is None else Answer(row.status, row.answer)


def finish(engine: Engine, request: Keyed, answer: Answer) -> Answer:
    """Store ``answer`` unless a twin stored its own first; the answer to give."""
    with _writing(engine) as conn:
        stored = conn.execute(
            update(keys)
            .where(request.where(), keys.c.status.is_(None))
            .values(status=answer.status, answer=answer.body)
        )
        row = None if stored.rowcount else conn.execute(select(keys).where(request.where())).first()
    if row is None or row.status is None:
        return answer
    return Answer(row.status, row.answer)


def abandon(engine: Engine, request: Keyed) -> None:
    """Free a key whose request got no answer worth repeating, so a retry is sent again."""
    with _writing(engine) as conn:
        conn.execute(delete(keys).where(request.where(), keys.c.status.is_(None)))


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (BEGIN IMMEDIATE on SQLite), so that claiming is atomic."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn
