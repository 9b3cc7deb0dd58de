"""The words of the mails: what is due, by when, what happens if missed, how to act.

Templates are Jinja2 (text and HTML, the HTML autoescaped). A mail is one item
(immediate delivery) or a daily digest listing several.

"To act" depends on who reads it, because each role may do different things
(``domain/access.py``): an NR owing nominations submits them; an NR owing another
member-states step (the SCGW) takes part, and the Chair's team approves; the NR of
the Chair owing a Chair-of-the-ASCN step delivers it, and the Chair's team approves;
the Chair of the ASCN (an escalation) approves or extends as the Chair's team; the
shepherd (an escalation) follows up; ASEC approves the steps it owes; the JCM report
is told what is flagged. A mail never names a command its reader's role may not run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, time
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from zoneinfo import ZoneInfo

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from domain.calendar import DEFAULT_LADDER, CycleCalendar, Owed, inaugural_2018, recurring
from domain.civil_time import state_of
from domain.contacts import party_of
from domain.errors import ReferenceDataError
from domain.reference import ReferenceData
from eventstore.readmodels.cycles import NOMINATION_STEP

TEXT = """\
Dear {{ name }},
{% for item in items %}
{% if items|length > 1 %}{{ loop.index }}. {% endif %}{{ item.headline }}

  Step:      {{ item.step }} (cycle {{ item.year }})
  Due by:    {{ item.due }}
{%- if item.due_for_reader %}
  Your time: {{ item.due_for_reader }}
{%- endif %}
{%- if item.outstanding %}
  Still owed by: {{ item.outstanding }}
{%- endif %}
  If missed: {{ item.if_missed }}
{%- for line in item.actions %}
  {{ "To act:    " if loop.first else "           " }}{{ line.text }}
{%- endfor %}
{%- if item.page %}
  Online:    {{ item.page }}
{%- endif %}
{% endfor %}
{%- if status %}
The current state of the cycle: ascn status --year {{ status }}
(or GET /v1/cycles/{{ status }}). Commands run after ascn login --url URL, URL being
the ASCN service you were given; HTTP calls take your bearer token.
{% endif %}
-- The ASCN cycle (an automatic message; replies are not read)
"""

HTML = """\
<html><body>
<p>Dear {{ name }},</p>
{% for item in items %}
<h3>{{ item.headline }}</h3>
<table>
<tr><th align="left">Step</th><td>{{ item.step }} (cycle {{ item.year }})</td></tr>
<tr><th align="left">Due by</th><td>{{ item.due }}</td></tr>
{% if item.due_for_reader %}<tr><th align="left">Your time</th>
<td>{{ item.due_for_reader }}</td></tr>{% endif %}
{% if item.outstanding %}<tr><th align="left">Still owed by</th>
<td>{{ item.outstanding }}</td></tr>{% endif %}
<tr><th align="left">If missed</th><td>{{ item.if_missed }}</td></tr>
<tr><th align="left">To act</th><td>
{%- for line in item.actions -%}
{% if not loop.first %}<br>
{% endif %}{{ line.lead }}{% if line.code %}<code>{{ line.code }}</code>{% endif %}{{ line.tail }}
{%- endfor -%}
</td></tr>
{% if item.page %}<tr><th align="left">Online</th>
<td><a href="{{ item.page }}">{{ item.page }}</a></td></tr>{% endif %}
</table>
{% endfor %}
{%- if status %}
<p>The current state of the cycle: <code>ascn status --year {{ status }}</code>
(or <code>GET /v1/cycles/{{ status }}</code>). Commands run after
<code>ascn login --url URL</code>, URL being the ASCN service you were given; HTTP calls
take your bearer token.</p>
{%- endif %}
<p><small>The ASCN cycle (an automatic message; replies are not read)</small></p>
</body></html>
"""

_ENV = Environment(
    loader=DictLoader({"mail.txt": TEXT, "mail.html": HTML}),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of "To act": words, then a command or HTTP call (if any), then words.
    The HTML part shows ``code`` as code."""

    lead: str = ""
    code: str = ""
    tail: str = ""

    @property
    def text(self) -> str:
        return f"{self.lead}{self.code}{self.tail}"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who reads the mail, from the party label the cycle recorded."""

    kind: str
    """``nr``, ``shepherd``, ``chair_of_ascn``, ``asec``, ``jcm_report`` or ``other``."""
    member_state: str | None = None

    @classmethod
    def of(cls, label: str) -> Recipient:
        party = party_of(label)
        if party.startswith("chair_of_ascn:nr:"):
            return cls("chair_of_ascn", party.removeprefix("chair_of_ascn:nr:"))
        kind, _, code = party.partition(":")
        if kind in ("nr", "shepherd") and code:
            return cls(kind, code)
        if party in ("asec", "jcm_report"):
            return cls(party)
        return cls("other")

    @property
    def reads_the_cycle(self) -> bool:
        """Whether the reader has a role that may read the cycle's status; the JCM
        report's mailbox (and any label we do not know) has none."""
        return self.kind in ("nr", "shepherd", "chair_of_ascn", "asec")


@dataclass(frozen=True, slots=True)
class Item:
    """One reminder or escalation, as a recipient reads it."""

    year: int
    step: str
    rung: str
    kind: str
    recipient: str
    deadline: datetime | None
    outstanding: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        if self.kind == "reminder":
            return f"Reminder ({self.rung}): {self.step} of the {self.year} cycle is due soon."
        return (
            f"Escalation ({self.rung}): {self.step} of the {self.year} cycle is past its "
            "deadline and is now referred to you."
        )

    @property
    def due(self) -> str:
        """The deadline as the cycle's calendar sets it (keeping its offset): the end of a
        day there, unless an extension gave another instant."""
        if self.deadline is None:
            return "see the cycle status"
        end = ", end of day" if self.deadline.time() >= time(23, 59) else ""
        return f"{_when(self.deadline)}{end}"

    @property
    def due_for_reader(self) -> str:
        """The same instant on the reader's clock, where it reads otherwise: in the zone of
        the member state whose 09:00 the mail goes out at (``domain.civil_time``). Empty
        when that zone's offset is the calendar's, or the reader has no member state."""
        zone = _reader_zone(self.recipient, self.year)
        if self.deadline is None or zone is None:
            return ""
        there = self.deadline.astimezone(zone)
        if there.utcoffset() == self.deadline.utcoffset():
            return ""
        return _when(there, zone.key)

    @property
    def if_missed(self) -> str:
        rungs = [rung.rung for rung in DEFAULT_LADDER]
        if self.kind == "reminder":
            rung = DEFAULT_LADDER[0]
        elif self.rung in rungs and rungs.index(self.rung) + 1 < len(rungs):
            rung = DEFAULT_LADDER[rungs.index(self.rung) + 1]
        else:
            return "this is the last rung: what is still owed goes into the JCM report."
        who = {
            "shepherd": "the shepherd",
            "chair_of_ascn": "the Chair of ASCN",
            "jcm_report": "the JCM report (via ASEC)",
        }[rung.to]
        days = rung.after.days
        when = "at the deadline" if days == 0 else f"{days} days after the deadline"
        return f"the step is escalated to {who} {when}."

    @property
    def reader(self) -> Recipient:
        return Recipient.of(self.recipient)

    @property
    def owed_by(self) -> Owed | None:
        """Who owes the step, by the year's calendar; None for a step it does not have."""
        return _steps_of(self.year).get(self.step, (None, ""))[0]

    @property
    def actions(self) -> tuple[Line, ...]:
        """What this reader can do about this step, in commands their role may run."""
        reader, owed = self.reader, self.owed_by
        if reader.kind == "nr" and self.step == NOMINATION_STEP:
            return self._nominate(reader.member_state or "<AMS>")
        if reader.kind == "nr" and owed == "member_states":
            return self._take_part()
        if reader.kind == "nr" and owed == "chair_of_ascn":
            return self._deliver(f"as the Chair of the ASCN ({reader.member_state}), deliver:")
        if reader.kind == "chair_of_ascn":
            return self._decide(_team(reader.member_state or ""))
        if reader.kind == "shepherd" and self.kind == "escalation":
            return self._follow_up()
        if reader.kind == "asec" and owed in (None, "asec"):
            return self._approve_as_asec()
        if reader.kind == "jcm_report":
            return (
                Line(f"nothing to run: {self.step} is flagged outstanding for the JCM report,"),
                Line("with those who still owe it; ASEC reports it to the JCM."),
            )
        return self._deliver("deliver:")

    def _nominate(self, code: str) -> tuple[Line, ...]:
        year = self.year
        return (
            Line(code=f"ascn nominate --year {year} --file nominations.yaml"),
            Line("or, if nothing changed since last year:"),
            Line("  ", f"ascn nil-return --year {year} --member-state {code}"),
            Line("or over HTTP: ", f"POST /v1/cycles/{year}/nominations"),
            Line("(for no change: ", f"POST /v1/cycles/{year}/nil-returns", ")"),
        )

    def _take_part(self) -> tuple[Line, ...]:
        team = _chair(self.year)
        return (
            Line(f"take part in {self._title()}:"),
            Line("attend it, and report what it asks of your member state."),
            Line(f"Nothing for you to run: the Chair's team ({team})"),
            Line("approves the step once every AMS has taken part. Tell the"),
            Line("Chair's team when you have (write to them, not to this address)."),
        )

    def _deliver(self, verb: str) -> tuple[Line, ...]:
        team = _chair(self.year)
        return (
            Line(verb),
            Line(f"  {self._title()}."),
            Line(f"Nothing for you to run: the Chair's team ({team})"),
            Line("approves the step once it is done. Tell the Chair's team when"),
            Line("it is (write to them, not to this address)."),
        )

    def _decide(self, team: str) -> tuple[Line, ...]:
        year, step = self.year, self.step
        return (
            Line(f"as the Chair's team ({team}), approve the step when it is done:"),
            Line("  ", f"ascn approve --year {year} --step {step}"),
            Line("or give more time:"),
            Line("  ", f'ascn extend --year {year} --step {step} --to YYYY-MM-DD --reason "..."'),
            Line("or over HTTP: ", f"POST /v1/cycles/{year}/steps/{step}/approve"),
            Line("(to give more time: ", f"POST /v1/cycles/{year}/steps/{step}/extend", ")"),
        )

    def _follow_up(self) -> tuple[Line, ...]:
        return (
            Line("follow up: ", f"ascn status --year {self.year}", " lists who is overdue;"),
            Line("contact each of them (their NRs) and ask them to act."),
            Line("or over HTTP: ", f"GET /v1/cycles/{self.year}"),
        )

    def _approve_as_asec(self) -> tuple[Line, ...]:
        year, step = self.year, self.step
        return (
            Line("ASEC owes this step; once it is done, approve it:"),
            Line("  ", f"ascn approve --year {year} --step {step}"),
            Line("or over HTTP: ", f"POST /v1/cycles/{year}/steps/{step}/approve"),
        )

    def _title(self) -> str:
        title = _steps_of(self.year).get(self.step, (None, ""))[1]
        return f"{self.step} ({title})" if title else self.step

    @property
    def outstanding_text(self) -> str:
        return ", ".join(self.outstanding)


def _when(moment: datetime, zone: str = "") -> str:
    offset = moment.strftime("%z")
    named = f", {zone}" if zone else ""
    return f"{moment:%A %d %B %Y, %H:%M} (UTC{offset[:3]}:{offset[3:]}{named})"


def _reader_zone(recipient: str, year: int) -> ZoneInfo | None:
    """The zone the reader's reminders go out at 09:00 in: their member state's (ASEC's is
    Jakarta, the JCM report's the Chair's), as ``activities.working_days`` plans it."""
    reference = ReferenceData.load()
    party = party_of(recipient)
    try:
        chair = reference.chair_for(year).code if party == "jcm_report" else ""
        state = state_of(party, chair)
        zone = reference.member_state(state).zone if state is not None else None
    except ReferenceDataError:
        return None
    return ZoneInfo(zone) if zone else None


def _team(chair: str) -> str:
    return f"chair_team:{chair}" if len(chair) == 2 else "chair_team"


def _chair(year: int) -> str:
    """How a mail names the Chair's team of ``year``: by its role, where known."""
    try:
        return _team(ReferenceData.load().chair_for(year).code)
    except ReferenceDataError:
        return "chair_team"


@functools.cache
def _steps_of(year: int) -> dict[str, tuple[Owed, str]]:
    """Each step of the year's calendar: who owes it and its title. The mail's row does
    not say who owes the step; the calendar the cycle was planned from does."""
    calendar: CycleCalendar = inaugural_2018() if year == 2018 else recurring(year)
    return {s.step: (s.owed_by, s.title) for s in calendar.steps}


def page_for(item: Item, base_url: str | None) -> str:
    """The web page where the reader of ``item`` acts on it (``api/pages``): an NR's
    nominations form or its list, the Chair's team's inbox, the cycle's board, ASEC's
    list. Empty without a base URL."""
    if not base_url:
        return ""
    base = base_url.rstrip("/")
    reader = item.reader
    if reader.kind == "nr":
        if item.step == NOMINATION_STEP:
            return f"{base}/app/cycles/{item.year}/nominations"
        return f"{base}/app/nr"
    if reader.kind == "chair_of_ascn":
        return f"{base}/app/inbox"
    if reader.kind == "asec":
        return f"{base}/app/asec"
    return f"{base}/app/cycles/{item.year}"


def render(
    *,
    message_id: str,
    subject: str,
    sender: str,
    to_name: str,
    to_address: str,
    items: list[Item],
    now: datetime,
    base_url: str | None = None,
) -> EmailMessage:
    """A multipart (text + HTML) mail with the given, deterministic Message-ID. With
    ``base_url`` (where people reach the web pages), each item links to the page where
    its reader acts (``page_for``)."""
    # A digest goes to one party, so its first item says who reads it.
    reader = items[0].reader
    context = {
        "name": to_name,
        "status": items[0].year if reader.reads_the_cycle else None,
        "items": [
            {
                "year": i.year,
                "step": i.step,
                "headline": i.headline,
                "due": i.due,
                "due_for_reader": i.due_for_reader,
                "if_missed": i.if_missed,
                "actions": i.actions,
                "outstanding": i.outstanding_text,
                "page": page_for(i, base_url),
            }
            for i in items
        ],
    }
    message = EmailMessage()
    message["Message-ID"] = message_id
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = formataddr((to_name, to_address))
    message["Date"] = formatdate(now.timestamp(), localtime=False)
    message.set_content(_ENV.get_template("mail.txt").render(context))
    message.add_alternative(_ENV.get_template("mail.html").render(context), subtype="html")
    return message
