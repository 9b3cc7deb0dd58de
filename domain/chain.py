"""The reporting chain as people record it: the rules for each body's decision, the
joint submission to the JCM and ASEC's progress review. Pure functions; each refusal
names the field and what is wrong.

The concept note: "the Chair of the ASCN (i.e. the National Representative of the ASEAN
Chair) and the ASCN shepherd ... submit a report ... The ASCN's report will also be
distributed to relevant ASEAN sectorals for notation. The JCM will then report to the
ACC and the ASEAN Summit." The engine no longer writes a decision by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.errors import DomainError
from domain.events.chain import BodyDecision, Submitter

CHAIN_BODIES = ("JCM", "ACC", "Summit", "AMM")
"""The bodies up the chain; the sectoral bodies of each year are reference data."""
REOPENING: frozenset[str] = frozenset({"deferred", "returned_for_revision"})
SETTLING: frozenset[str] = frozenset({"noted", "endorsed", "adopted"})
JOINT_SUBMISSION_STEP = "jcm_submission"
SUBMITTERS: tuple[Submitter, ...] = ("chair_of_ascn", "shepherd")
PROGRESS_REVIEW_STEP = "progress_review"
MAX_MEETING, MAX_CONCERNING = 200, 500


class DecisionRefused(DomainError):
    """A body's decision that cannot be recorded as given."""


def body_of_step(noted_by: str | None) -> str | None:
    """The body whose decision settles a step, from the calendar's ``noted_by``
    ("JCM", "33rd ASEAN Summit", "51st AMM"...); None if no body decides it."""
    if noted_by is None:
        return None
    for body in CHAIN_BODIES:
        if noted_by == body or noted_by.endswith(f" {body}") or f"{body} " in f"{noted_by} ":
            return body
    return None


def check_decision(
    *,
    year: int,
    body: str,
    decision: BodyDecision,
    decided_on: date,
    today: date,
    meeting: str,
    concerning: str,
    bodies: Sequence[str],
) -> None:
    """Refuse a decision by a body that does not receive the report in ``year``, dated
    outside the cycle (its year or the next) or after today, or without a meeting or
    what it concerned."""
    if body not in bodies:
        raise DecisionRefused(
            f"body: {body!r} does not receive the {year} report; it is one of {', '.join(bodies)}"
        )
    first, last = date(year, 1, 1), date(min(year + 1, 9999), 12, 31)
    if not first <= decided_on <= last:
        raise DecisionRefused(
            f"decided_on: {decided_on.isoformat()} is outside the {year} cycle "
            f"({first.isoformat()} to {last.isoformat()})"
        )
    if decided_on > today:
        raise DecisionRefused(
            f"decided_on: {decided_on.isoformat()} is after today ({today.isoformat()}); "
            "record a decision once it is taken"
        )
    _one_line(meeting, "meeting", MAX_MEETING)
    _one_line(concerning, "concerning", MAX_CONCERNING)
    if decision not in REOPENING | SETTLING:
        raise DecisionRefused(f"decision: {decision!r} is not a decision a body takes")


def check_submission(submitter: Submitter, submitted: Sequence[Submitter], step: str) -> None:
    """Each of the two submits once."""
    if submitter in submitted:
        who = "the Chair of the ASCN" if submitter == "chair_of_ascn" else "the shepherd"
        raise DecisionRefused(f"{who} has already submitted {step}")


def waiting_for(submitted: Sequence[Submitter]) -> list[Submitter]:
    """Who has yet to submit the report to the JCM."""
    return [s for s in SUBMITTERS if s not in submitted]


def describe_waiting(submitted: Sequence[Submitter]) -> str | None:
    names = {"chair_of_ascn": "the Chair of the ASCN", "shepherd": "the shepherd"}
    waiting = waiting_for(submitted)
    if not waiting:
        return None
    return "waiting for " + " and ".join(names[w] for w in waiting)


def _one_line(text: str, field: str, limit: int) -> None:
    if not text.strip():
        raise DecisionRefused(f"{field}: must not be empty")
    if len(text) > limit:
        raise DecisionRefused(f"{field}: {len(text)} characters long; at most {limit}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise DecisionRefused(f"{field}: holds control characters")
