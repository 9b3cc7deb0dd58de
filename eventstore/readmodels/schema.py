"""Read-model tables, built by projections from the event store (never by hand)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, String, Table, Text

from eventstore.schema import UTCDateTime, metadata

# The accepted nominations of each member state and year: the latest submission
# wins, and a nil return carries the earlier list forward.
nominations = Table(
    "rm_nominations",
    metadata,
    Column("year", Integer(), primary_key=True),
    Column("member_state", String(8), primary_key=True),
    Column("city", String(200), primary_key=True),
    Column("capital", Boolean(), nullable=False),
    Column("csco_name", String(200), nullable=False),
    Column("csco_email", String(320), nullable=False),
    Column("nr_name", String(200), nullable=False),
    Column("nr_email", String(320), nullable=False),
    Column("exception_ids", JSON(), nullable=False),
    Column("late", Boolean(), nullable=False),
    Column("carried_forward_from", Integer(), nullable=True),
    Column("position", BigInteger(), nullable=False),
)

# Exceptions granted by the Chair's team, by member state and year.
exceptions = Table(
    "rm_exceptions",
    metadata,
    Column("member_state", String(8), primary_key=True),
    Column("exception_id", String(100), primary_key=True),
    # Indexed: the pages read a year's exceptions (migration 0013).
    Column("year", Integer(), nullable=False, index=True),
    Column("rule", String(40), nullable=False),
    Column("max_cities", Integer(), nullable=True),
    Column("reason", Text(), nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

# One row per cycle year. Every query of the cycle read models looks rows up by
# their primary key or a prefix of it (year first), so their cost stays flat as
# years accumulate; no other index is needed.
cycles = Table(
    "rm_cycles",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("chair", String(8), nullable=False),
    Column("shepherd", String(8), nullable=False),
    Column("template", String(200), nullable=False),
    Column("state", String(16), nullable=False),  # open, completed
    Column("current_step", String(200), nullable=True),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("position", BigInteger(), nullable=False),
    # The plan's time zone (CyclePlanned), to say its dates in local terms.
    Column("zone", String(64), nullable=True),
    # The annual report's versions and their submissions (cycles/report.py); null for a
    # cycle planned without a report_draft step (migration 0014).
    Column("report", JSON(), nullable=True),
)

# One row per step of a cycle. Every step of the plan (CyclePlanned, recorded as the
# cycle opens) and any step the store names before it opens (extended or waived ahead
# of time) is "pending" until its StepOpened. ``outstanding``: who owes the step (from
# the plan while pending, then as reminders, escalations and submissions say), and once
# it completed, who still owed it.
steps = Table(
    "rm_steps",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("step", String(200), primary_key=True),
    Column("state", String(16), nullable=False),  # pending, open, approved, waived, completed
    Column("settled_by", String(16), nullable=True),  # approved, waived (once completed)
    Column("opened_at", UTCDateTime(), nullable=True),
    Column("deadline", UTCDateTime(), nullable=True),
    Column("extensions", Integer(), nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("outstanding", JSON(), nullable=False),
    Column("escalations", JSON(), nullable=False),
    Column("reminders_sent", Integer(), nullable=False),
    Column("noted", JSON(), nullable=False),
    # Orders a year's steps: the position of the StepOpened, or of the first
    # event naming a step that never opened (cycles recorded before CyclePlanned).
    Column("order_position", BigInteger(), nullable=False),
    Column("position", BigInteger(), nullable=False),
    # From CyclePlanned (null for cycles recorded before it): the step's place in the
    # plan, which orders the steps first, its title, who owes it and when it opens.
    Column("plan_order", Integer(), nullable=True),
    Column("title", String(300), nullable=True),
    Column("owed_by", String(32), nullable=True),
    Column("opens_at", UTCDateTime(), nullable=True),
)

# Who is overdue on which step: escalated and not yet discharged.
overdue = Table(
    "rm_overdue",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("step", String(200), primary_key=True),
    Column("party", String(200), primary_key=True),
    Column("rung", String(100), nullable=False),
    Column("since", UTCDateTime(), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

# One row per mail the cycle's reminders and escalations call for. ``message_id``
# is deterministic (year, step, rung, deadline, recipient), so a mail is queued
# at most once; state: queued, delivered, failed. A row for a daily recipient names
# its digest (``digest_id``, the digest's Message-ID) when it is queued, so a digest
# keeps its id and its items however often it has to be sent.
outbox = Table(
    "rm_outbox",
    metadata,
    Column("message_id", String(80), primary_key=True),
    Column("year", Integer(), nullable=False),
    Column("step", String(200), nullable=False),
    Column("rung", String(100), nullable=False),
    Column("kind", String(16), nullable=False),  # reminder, escalation
    Column("recipient", String(200), nullable=False),
    Column("address", String(320), nullable=False),
    Column("delivery", String(16), nullable=False),  # immediate, daily
    Column("subject", String(300), nullable=False),
    Column("deadline", UTCDateTime(), nullable=True),
    # The deadline's UTC offset as the calendar set it, to say it in local terms.
    Column("deadline_offset_minutes", Integer(), nullable=True),
    Column("outstanding", JSON(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text(), nullable=True),
    Column("created_position", BigInteger(), nullable=False),
    Column("digest_id", String(80), nullable=True, index=True),
)

# Action plans, assessments, partners and twinning: their own module, registered here.
from eventstore.readmodels import records_tables as _records_tables  # noqa: E402, F401
