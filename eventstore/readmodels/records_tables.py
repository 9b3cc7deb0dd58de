"""Read-model tables of action plans, IMD's assessments, partners, twinning pairs and
the annual meetings' outcomes (migration 0012), built by ``readmodels.records``."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, Integer, String, Table, Text

from eventstore.schema import UTCDateTime, metadata

# Every version of every city's action plan.
plan_versions = Table(
    "rm_plan_versions",
    metadata,
    Column("city_id", String(120), primary_key=True),
    Column("version", Integer(), primary_key=True, autoincrement=False),
    Column("member_state", String(8), nullable=False),
    Column("city", String(200), nullable=False),
    Column("period_start", Integer(), nullable=False),
    Column("period_end", Integer(), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

# The projects of each version, in the plan's order.
plan_projects = Table(
    "rm_plan_projects",
    metadata,
    Column("city_id", String(120), primary_key=True),
    Column("version", Integer(), primary_key=True, autoincrement=False),
    Column("project_id", String(64), primary_key=True),
    Column("ordinal", Integer(), nullable=False),
    Column("title", String(200), nullable=False),
    Column("action_lines", JSON(), nullable=False),
    Column("focus_areas", JSON(), nullable=False),
    Column("partners", JSON(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("milestones", JSON(), nullable=False),
)

# IMD's latest assessment of each project and year (``revision`` counts them).
assessments = Table(
    "rm_assessments",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("city_id", String(120), primary_key=True),
    Column("project_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("evidence", Text(), nullable=False),
    Column("links", JSON(), nullable=False),
    Column("revision", Integer(), nullable=False),
    Column("assessed_by", String(200), nullable=False),
    Column("assessed_at", UTCDateTime(), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

# Why a project is not assessed in a year (gone once it is assessed).
not_assessed = Table(
    "rm_not_assessed",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("city_id", String(120), primary_key=True),
    Column("project_id", String(64), primary_key=True),
    Column("reason", Text(), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

partners = Table(
    "rm_partners",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("year", Integer(), nullable=False),
    Column("source", String(16), nullable=False),  # chair_team, annual_meeting
    Column("added_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

twinning = Table(
    "rm_twinning",
    metadata,
    Column("city_id", String(120), primary_key=True),
    Column("partner_id", String(64), primary_key=True),
    Column("starts", Date(), primary_key=True),
    Column("ends", Date(), nullable=False),
    Column("exception_id", String(64), nullable=True),
    Column("recorded_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

twinning_exceptions = Table(
    "rm_twinning_exceptions",
    metadata,
    Column("city_id", String(120), primary_key=True),
    Column("exception_id", String(64), primary_key=True),
    Column("reason", Text(), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

meeting_outcomes = Table(
    "rm_meeting_outcomes",
    metadata,
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("city_id", String(120), primary_key=True),
    Column("project_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("partner_id", String(64), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("position", BigInteger(), nullable=False),
)
