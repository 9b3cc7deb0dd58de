"""Turning any failure into one line a person can act on."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from ascn.embedded import MissingServerBinary
from domain.errors import DomainError
from eventstore.errors import EventStoreError, cannot_write_cause
from eventstore.migrate import SchemaDrift
from services.errors import CycleNotFound, CycleUnavailable, Refused
from workers.preflight import StoreNotReady


class UsageError(Exception):
    """A problem the user can fix; its message says how."""


def read_text_file(path: Path) -> str:
    """A file a person gives (nominations, a plan): its UTF-8 text, or a UsageError
    naming the file and what is wrong (unreadable, or not text: the first bad byte)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {error.start}); give a YAML or JSON file"
        ) from None


class TemporalUnreachable(UsageError):
    """No Temporal frontend answered at the configured address."""


def one_line(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        settings = error.title == "Settings"
        problems = "; ".join(
            f"{_where(problem['loc'], settings)}: {problem['msg'].removeprefix('Value error, ')}"
            for problem in error.errors()
        )
        return f"invalid {'settings' if settings else error.title}: {problems}"
    if isinstance(error, DBAPIError):
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if "no such table" in detail or "does not exist" in detail:
            return f"the database has no event store yet ({detail}); run `ascn migrate` first"
        storage = cannot_write_cause(error)
        if storage is not None:
            return f"the event store cannot write: {storage} ({detail})"
        return f"database error: {detail}"
    if isinstance(error, Refused):
        return f"refused: {error.message}"
    if isinstance(error, DomainError | CycleNotFound | CycleUnavailable):
        return str(error)
    if isinstance(error, WorkflowAlreadyStartedError):
        return f"{error.workflow_id} is already running: one cycle a year"
    if isinstance(error, RPCError):  # Temporal answered, and said no
        return f"Temporal refused: {error.message}"
    if isinstance(error, WorkflowUpdateFailedError):
        cause = error.cause
        return f"refused: {cause.message if isinstance(cause, ApplicationError) else cause}"
    if isinstance(
        error,
        EventStoreError
        | SchemaDrift
        | NoSuchModuleError
        | MissingServerBinary
        | UsageError
        | StoreNotReady,
    ):
        return str(error)
    return f"unexpected {type(error).__name__}: {error}"


def _where(location: tuple[int | str, ...], settings: bool) -> str:
    if settings:
        return ", ".join(f"ASCN_{str(part).upper()}" for part in location) or "settings"
    return ".".join(str(part) for part in location) or "value"
