"""The composition root: builds engines and services from settings and hands them out.

Nothing else in the project creates an engine or reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from ascn.logging import configure_logging
from ascn.settings import Settings
from eventstore.engine import create_store_engine
from eventstore.store import EventStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    store: EventStore


def configure(settings: Settings) -> None:
    configure_logging(level=settings.log_level, fmt=settings.resolved_log_format)


@contextmanager
def services(settings: Settings, *, create: bool = False) -> Iterator[Services]:
    """``create``: make a new embedded database if there is none (migrate, demo)."""
    engine = create_store_engine(settings.db_url, must_exist=not create)
    try:
        yield Services(settings=settings, engine=engine, store=EventStore(engine))
    finally:
        engine.dispose()
