"""The report laid out for reading: sections of blocks (text, key figures, tables, charts)
whose every cell is already a string. The HTML and the PDF are both drawn from this one
layout, so they hold the same sections and the same figures; the PDF's template gets it
as JSON data, never as markup.

The ledger's checkpoint comes in beside the report, not inside it: it is how to verify
the record the report was computed from, and it is not part of the report's hash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.report import Report
from eventstore.ledger import SignedCheckpoint
from reports.charts import Chart, day

Kind = Literal["text", "facts", "table", "chart"]


@dataclass(frozen=True)
class Block:
    """One thing in a section. ``text``: ``paragraphs`` under an optional ``heading``.
    ``facts``: label and value pairs. ``table``: ``headers`` and ``rows``, or ``empty``
    said instead when there are none. ``chart``: the chart ``chart`` (its key) drawn,
    then its figures as a table."""

    kind: Kind
    heading: str = ""
    paragraphs: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    empty: str = ""
    chart: str = ""
    description: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Verification:
    """The footer: the ledger's latest signed checkpoint, or why there is none."""

    facts: tuple[tuple[str, str], ...]
    paragraphs: tuple[str, ...]
    commands: tuple[tuple[str, str], ...]
    """What to do, and the command that does it."""


@dataclass(frozen=True)
class View:
    title: str
    version: str
    """``draft 2, SHA-256 …`` or ``live, not a version``."""
    as_of: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    verification: Verification
    charts: dict[str, Chart] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """Everything but the charts' SVG, as JSON-ready data (for the PDF's template)."""
        plain = asdict(self)
        plain["charts"] = {key: {"title": c.title} for key, c in self.charts.items()}
        return plain


def verification(report: Report, checkpoint: SignedCheckpoint | None) -> Verification:
    computed = (
        f"Every figure in this report is computed from the events at or before position "
        f"{report.meta.as_of_position} of the event log; only the drafter's text is "
        "written by hand."
    )
    if checkpoint is None:
        return Verification(
            facts=(),
            paragraphs=(computed, "No ledger checkpoint had been signed when this was rendered."),
            commands=COMMANDS,
        )
    made = checkpoint.checkpoint
    return Verification(
        facts=(
            ("Checkpoint", str(checkpoint.seq)),
            ("Tree size", f"{made.tree_size} events"),
            ("Root hash", made.root_hash),
            ("Key id", made.key_id),
            ("Signed at", made.signed_at.astimezone(UTC).isoformat()),
            ("Signature", checkpoint.signature.hex()),
        ),
        paragraphs=(
            computed,
            "The ledger's latest signed checkpoint when this was rendered: the size and root "
            "of the Merkle tree over the event log (RFC 9162), signed with Ed25519. "
            + covered(made.tree_size, report.meta.as_of_position),
        ),
        commands=COMMANDS,
    )


def covered(tree_size: int, as_of: int) -> str:
    """Whether the checkpoint signs every event the report reads: positions are distinct
    and start at 1, so at most ``as_of`` events lie at or before position ``as_of``."""
    if tree_size >= as_of:
        return "It covers every event this report is computed from."
    return (
        f"It was signed before some of the events this report reads (up to position "
        f"{as_of}); a later checkpoint (ascn ledger checkpoint) will cover them."
    )


COMMANDS = (
    ("Prove that an event is in the log under the checkpoint:",
     "ascn ledger prove --event-id ID --out proof.json"),
    ("Check the proof anywhere, without the database, against the key id the secretariat "
     "published:", "ascn ledger check proof.json --trusted-key KEY_ID"),
    ("The public keys and the periods they signed in:", "ascn ledger keys"),
    ("Or ask the API for the checkpoints:", "GET /v1/ledger/checkpoints"),
)  # fmt: skip


@dataclass(frozen=True)
class Formats:
    """How a value is said: dates in the cycle's zone, member states by name."""

    zone: ZoneInfo
    states: dict[str, str]
    steps: dict[str, str]

    @classmethod
    def of(cls, zone: str | None, states: dict[str, str], steps: dict[str, str]) -> Formats:
        try:
            return cls(ZoneInfo(zone or "UTC"), states, steps)
        except (ZoneInfoNotFoundError, ValueError):
            return cls(ZoneInfo("UTC"), states, steps)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def day(self, moment: datetime | date | None) -> str:
        if moment is None:
            return ""
        return day(self.local_date(moment) if isinstance(moment, datetime) else moment)

    def step(self, step: str) -> str:
        return self.steps.get(step, step)

    def state(self, code: str) -> str:
        return self.states.get(code, code)

    def party(self, label: str) -> str:
        """A party or an actor's label in words: ``nr:MY`` -> ``NR of Malaysia``,
        ``shepherd:SG`` -> ``Shepherd (Singapore)``, ``chair_team:TH/anan`` -> ``Chair's
        team (Thailand): anan``; a label it does not know, as it is."""
        label, _, person = label.partition("/")
        role, _, rest = label.partition(":")
        if role == "nr" and rest in self.states:
            said = f"NR of {self.states[rest]}"
        elif role in PARTIES and rest in self.states:
            said = f"{PARTIES[role]} ({self.states[rest]})"
        elif role in PARTIES and rest:
            said = f"{PARTIES[role]} ({self.party(rest)})"
        else:
            said = PARTIES.get(label, label)
        return f"{said}: {person}" if person else said


PARTIES = {
    "member_states": "Member states (NRs)",
    "chair_of_ascn": "Chair of the ASCN",
    "chair_team": "Chair's team",
    "shepherd": "Shepherd",
    "asec": "ASEC",
    "system": "the engine",
    "admin": "an administrator",
}
