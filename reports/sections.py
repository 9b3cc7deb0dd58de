"""The report's sections, in the order of issue 10's list, each laid out as blocks of
strings (``reports.view``): the drafter's text first, then the record's figures."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.events.chain import NarrativeSection
from domain.report import PROGRESS_COUNTS, ProgressRow, Report, document_sha256
from eventstore.ledger import SignedCheckpoint
from reports import charts as draw
from reports.view import Block, Formats, Section, View, verification

BASIC_STATUSES = ("planned", "ongoing", "completed", "stalled", "dropped")


def layout(report: Report, checkpoint: SignedCheckpoint | None = None) -> View:
    """The report, laid out; ``checkpoint``: the ledger's latest, shown in the footer."""
    meta = report.meta
    say = Formats.of(meta.zone, names(report), {s.step: s.title for s in report.cycle.steps})
    charts = {chart.key: chart for chart in draw_charts(report, say)}
    version = "live, not a version" if meta.version is None else f"draft {meta.version}"
    if meta.version is not None:
        version += f", SHA-256 {document_sha256(report)}"
    facts = (
        ("ASEAN Chair", meta.chair_name or meta.chair or "not recorded"),
        ("Shepherd", meta.shepherd_name or meta.shepherd or "not recorded"),
        ("Dates shown in", meta.zone or "UTC"),
    )
    return View(
        title=f"ASEAN Smart Cities Network: annual report {meta.year}",
        version=version,
        as_of=f"as of position {meta.as_of_position} of the event log",
        facts=facts,
        sections=tuple(
            s
            for s in (
                narrative(report.narrative),
                cycle(report, say, charts),
                nominations(report, say),
                membership(report, say),
                progress(report, say, charts),
                partners(report, say),
                outstanding(report, say),
                decisions(report, say),
                comparison(report),
            )
            if s is not None
        ),
        verification=verification(report, checkpoint),
        charts=charts,
    )


def names(report: Report) -> dict[str, str]:
    known = {row.member_state: row.name for row in report.nominations.member_states}
    known.update({row.member_state: row.name for row in report.on_time.member_states})
    return known


def draw_charts(report: Report, say: Formats) -> list[draw.Chart]:
    statuses = statuses_shown(report.progress.by_focus_area)
    return [
        draw.timeline(
            [
                draw.TimelineStep(
                    label=step.title,
                    opens=say.local_date(step.opens),
                    deadline=say.local_date(step.original_deadline),
                    final_deadline=say.local_date(step.final_deadline),
                    completed=(
                        say.local_date(step.completed_on)
                        if step.completed_on and step.state == "completed"
                        else None
                    ),
                )
                for step in report.cycle.steps
            ]
        ),
        draw.on_time_by_member_state(
            [(row.name, row.met, row.due) for row in report.on_time.member_states if row.due]
        ),
        draw.progress_by_focus_area(
            [(row.label, counts(row, statuses)) for row in report.progress.by_focus_area],
            [words(status) for status in statuses],
        ),
    ]


def statuses_shown(rows: tuple[ProgressRow, ...]) -> tuple[str, ...]:
    """The five assessed statuses, and the other counts only where a row has some."""
    extra = [c for c in PROGRESS_COUNTS[5:] if any(getattr(row, c) for row in rows)]
    return (*BASIC_STATUSES, *extra)


def counts(row: ProgressRow, statuses: tuple[str, ...]) -> dict[str, int]:
    return {words(status): int(getattr(row, status)) for status in statuses}


def chart_block(chart: draw.Chart, empty: str, *, shown: bool = True) -> Block:
    """The chart and its table; or, when it would show nothing (``shown`` False or no
    rows), the sentence ``empty`` instead."""
    return Block(
        kind="chart",
        heading=chart.title,
        chart=chart.key,
        description=chart.description,
        headers=chart.table.headers,
        rows=chart.table.rows if shown else (),
        empty=empty,
    )


PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> tuple[str, ...]:
    """A blank line starts a new paragraph; a single line break stays within one."""
    return tuple(p.strip() for p in PARAGRAPH_BREAK.split(text) if p.strip())


def narrative(parts: tuple[NarrativeSection, ...]) -> Section | None:
    if not parts:
        return None
    blocks = tuple(Block("text", heading=p.heading, paragraphs=paragraphs(p.text)) for p in parts)
    return Section("narrative", "The drafter's account", blocks)


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def words(code: str) -> str:
    """A code as a reader says it: ``not_opened`` is ``not opened``."""
    return code.replace("_", " ")


def number(value: int | None, none: str = "") -> str:
    """A whole number, or ``none`` where there is no number."""
    return none if value is None else str(value)


def parties(say: Formats, labels: Iterable[str]) -> str:
    """Parties (``nr:MY``, ``asec``) as the report names them, in a list."""
    return ", ".join(say.party(label) for label in labels)


def cycle(report: Report, say: Formats, charts: dict[str, draw.Chart]) -> Section:
    c = report.cycle
    if not c.exists:
        text = f"The record holds no cycle for {report.meta.year}."
        return Section("cycle", "The cycle", (Block("text", paragraphs=(text,)),))
    settled = sum(1 for step in c.steps if step.state in ("completed", "waived"))
    blocks = (
        Block(
            "facts",
            facts=(
                ("Steps settled", f"{settled} of {len(c.steps)}"),
                ("Deadlines met", str(c.deadlines_met)),
                ("Deadlines missed", str(c.deadlines_missed)),
                ("Extensions", str(len(c.extensions))),
                ("Escalations", str(len(c.escalations))),
                ("Waivers", str(len(c.waivers))),
                ("Cycle completed", yes(c.completed)),
            ),
        ),
        chart_block(charts["timeline"], "No step is planned."),
        Block(
            "table",
            heading="Steps",
            headers=("Step", "Owed by", "Opens", "Deadline", "Final deadline", "State", "On time"),
            rows=tuple(
                (
                    s.title,
                    say.party(s.owed_by),
                    say.day(s.opens),
                    say.day(s.original_deadline),
                    say.day(s.final_deadline),
                    words(s.state),
                    "" if s.on_time is None else yes(s.on_time),
                )
                for s in c.steps
            ),
            empty="No step is planned.",
        ),
        Block(
            "table",
            heading="Extensions",
            headers=("Step", "By", "Reason", "From", "To", "Days"),
            rows=tuple(
                (
                    say.step(e.step),
                    say.party(e.by),
                    e.reason,
                    say.day(e.from_deadline),
                    say.day(e.to_deadline),
                    str(e.days),
                )
                for e in c.extensions
            ),
            empty="No deadline was extended.",
        ),
        Block(
            "table",
            heading="Escalations",
            headers=("Step", "Rung", "Escalated to", "Outstanding then", "On"),
            rows=tuple(
                (
                    say.step(e.step),
                    e.rung,
                    say.party(e.escalated_to),
                    parties(say, e.outstanding),
                    say.day(e.at),
                )
                for e in c.escalations
            ),
            empty="Nothing was escalated.",
        ),
        Block(
            "table",
            heading="Waivers",
            headers=("Step", "Reason", "On"),
            rows=tuple((say.step(w.step), w.reason, say.day(w.at)) for w in c.waivers),
            empty="No step was waived.",
        ),
        Block(
            "table",
            heading="Steps reopened",
            headers=("Step", "Body", "Decision", "From", "To"),
            rows=tuple(
                (
                    say.step(r.step),
                    r.body,
                    words(r.decision),
                    say.day(r.from_deadline),
                    say.day(r.to_deadline),
                )
                for r in c.reopenings
            ),
            empty="No step was reopened.",
        ),
        chart_block(charts["on-time"], "No member state owed anything yet."),
    )
    return Section("cycle", "The cycle", blocks)


def nominations(report: Report, say: Formats) -> Section:
    n = report.nominations
    t = n.totals
    returns = {"submitted": "submitted", "nil_return": "nil return", "none": "none yet"}
    blocks = (
        Block(
            "facts",
            facts=(
                ("Member states", str(t.member_states)),
                ("Returns submitted", str(t.submitted)),
                ("Nil returns", str(t.nil_returns)),
                ("Missing", str(t.missing)),
                ("Late", str(t.late)),
                ("Cities", str(t.cities)),
                ("Capitals", str(t.capitals)),
                ("Exceptions granted", str(t.exceptions)),
            ),
        ),
        Block(
            "table",
            heading="Returns by member state",
            headers=("Member state", "Return", "NR", "Cities", "Submitted", "Late"),
            rows=tuple(
                (
                    m.name,
                    returns[m.status]
                    + (f" (from {m.carried_forward_from})" if m.carried_forward_from else ""),
                    m.national_representative or "",
                    str(len(m.cities)),
                    say.day(m.submitted_on),
                    yes(m.late),
                )
                for m in n.member_states
            ),
            empty="No member state owes nominations.",
        ),
        Block(
            "table",
            heading="Cities and their CSCOs",
            headers=("Member state", "City", "Capital", "CSCO"),
            rows=tuple(
                (m.name, c.city, yes(c.capital), c.csco) for m in n.member_states for c in m.cities
            ),
            empty="No city is nominated.",
        ),
        Block(
            "table",
            heading="Exceptions granted",
            headers=("Member state", "Rule", "Cities allowed", "Reason"),
            rows=tuple(
                (
                    say.state(e.member_state),
                    e.rule,
                    number(e.max_cities),
                    e.reason,
                )
                for e in n.exceptions
            ),
            empty="No exception was granted.",
        ),
    )
    return Section("nominations", "Nominations", blocks)


def membership(report: Report, say: Formats) -> Section:
    m = report.membership
    blocks = (
        Block(
            "facts",
            facts=(
                ("Accepted", str(m.accepted)),
                ("Declined", str(m.declined)),
                ("Pending", str(m.pending)),
            ),
        ),
        Block(
            "table",
            heading="Candidature cities",
            headers=("Member state", "City", "Capital", "Proposed", "Decision", "Reason"),
            rows=tuple(
                (
                    say.state(c.member_state),
                    c.city,
                    yes(c.capital),
                    say.day(c.proposed_on),
                    c.decision,
                    c.reason,
                )
                for c in m.candidatures
            ),
            empty="No candidature city was proposed.",
        ),
    )
    return Section("membership", "Membership changes and candidature cities", blocks)


def progress(report: Report, say: Formats, charts: dict[str, draw.Chart]) -> Section:
    p = report.progress
    statuses = statuses_shown(p.by_member_state)
    headers = ("Member state", *(words(s).capitalize() for s in statuses), "Projects")
    blocks = (
        Block(
            "facts",
            facts=(
                ("Cities with a plan for the year", str(p.plans)),
                ("Projects", str(p.totals.total)),
            ),
        ),
        chart_block(
            charts["focus-areas"],
            "No project is in a plan for the year.",
            shown=p.totals.total > 0,
        ),
        Block(
            "table",
            heading="Progress by member state",
            headers=headers,
            rows=tuple(
                (
                    say.state(r.key) if r.label == r.key else r.label,
                    *(str(getattr(r, s)) for s in statuses),
                    str(r.total),
                )
                for r in p.by_member_state
            ),
            empty="No project is in a plan for the year.",
        ),
        Block(
            "table",
            heading="Projects IMD did not assess",
            headers=("City", "Project", "Reason"),
            rows=tuple((n.city_id, n.project_id, n.reason) for n in p.not_assessed),
            empty="IMD gave no project a reason for not assessing it.",
        ),
    )
    return Section("progress", "Action-plan progress", blocks)


def partners(report: Report, say: Formats) -> Section:
    p = report.partners
    blocks = (
        Block(
            "table",
            heading="Partners added",
            headers=("Partner", "Kind", "Added by"),
            rows=tuple(
                (
                    a.name,
                    words(a.kind),
                    say.party(a.source.replace("annual_meeting", "the annual meeting")),
                )
                for a in p.partners_added
            ),
            empty="No partner was added.",
        ),
        Block(
            "table",
            heading="Twinning pairs",
            headers=("City", "Partner", "From", "Until"),
            rows=tuple((t.city, t.partner, say.day(t.starts), say.day(t.ends)) for t in p.twinning),
            empty="No city was twinned.",
        ),
        Block(
            "table",
            heading="Projects launched with partners",
            headers=("City", "Project", "Partner"),
            rows=tuple((la.city, la.title, la.partner) for la in p.launches),
            empty="No project was launched with a partner.",
        ),
    )
    return Section("partners", "Twinning and partners", blocks)


def outstanding(report: Report, say: Formats) -> Section:
    rows = tuple(
        (o.title, o.state, say.day(o.deadline), parties(say, o.owed_by))
        for o in report.outstanding.items
    )
    table = Block(
        "table",
        headers=("Step", "State", "Deadline", "Owed by"),
        rows=rows,
        empty="Nothing is outstanding.",
    )
    return Section("outstanding", "What is still outstanding", (table,))


def decisions(report: Report, say: Formats) -> Section:
    d = report.decisions
    blocks = (
        Block(
            "table",
            heading="Decisions",
            headers=("Body", "Decision", "On", "Meeting", "Concerning", "Document SHA-256"),
            rows=tuple(
                (
                    x.body,
                    words(x.decision),
                    say.day(x.decided_on),
                    x.meeting or "",
                    x.concerning or "",
                    x.document_sha256 or "",
                )
                for x in d.decisions
            ),
            empty="No body has decided yet.",
        ),
        Block(
            "table",
            heading="Submissions to the JCM",
            headers=("Submitter", "Version", "SHA-256", "On"),
            rows=tuple(
                (
                    say.party(s.submitter),
                    number(s.version),
                    s.document_sha256 or "",
                    say.day(s.at),
                )
                for s in d.submissions
            ),
            empty="The report has not been submitted to the JCM.",
        ),
    )
    return Section("decisions", "Each body's decision so far", blocks)


def comparison(report: Report) -> Section:
    c = report.comparison
    blocks: list[Block] = []
    if not c.previous_cycle:
        note = c.note or "no cycle"
        blocks.append(Block("text", paragraphs=(f"{c.previous_year}: {note} in the record.",)))
    blocks.append(
        Block(
            "table",
            headers=("Measure", str(report.meta.year), str(c.previous_year)),
            rows=tuple(
                (m.label, number(m.this_year, "-"), number(m.previous_year, "-"))
                for m in c.measures
            ),
            empty="No measure to compare.",
        )
    )
    return Section("comparison", f"Compared with {c.previous_year}", tuple(blocks))
