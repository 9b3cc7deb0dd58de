"""Read-model tables, built by projections from the event store (never by hand)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, String, Table, Text

from eventstore.schema import metadata

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
    Column("year", Integer(), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("max_cities", Integer(), nullable=True),
    Column("reason", Text(), nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)
