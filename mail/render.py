"""The words of the mails: what is due, by when, what happens if missed, how to act.

Templates are Jinja2 (text and HTML, the HTML autoescaped). A mail is one item
(immediate delivery) or a daily digest listing several.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from domain.calendar import DEFAULT_LADDER
from eventstore.readmodels.cycles import NOMINATION_STEP

TEXT = """\
Dear {{ name }},
{% for item in items %}
{% if items|length > 1 %}{{ loop.index }}. {% endif %}{{ item.headline }}

  Step:      {{ item.step }} (cycle {{ item.year }})
  Due by:    {{ item.due }}
{%- if item.outstanding %}
  Still owed by: {{ item.outstanding }}
{%- endif %}
  If missed: {{ item.if_missed }}
  To act:    {{ item.command }}
             or {{ item.api }}
{% endfor %}
The current state of the cycle: ascn status --year {{ items[0].year }}
(or GET /v1/cycles/{{ items[0].year }}).

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
{% if item.outstanding %}<tr><th align="left">Still owed by</th>
<td>{{ item.outstanding }}</td></tr>{% endif %}
<tr><th align="left">If missed</th><td>{{ item.if_missed }}</td></tr>
<tr><th align="left">To act</th><td><code>{{ item.command }}</code><br>
or <code>{{ item.api }}</code></td></tr>
</table>
{% endfor %}
<p>The current state of the cycle: <code>ascn status --year {{ items[0].year }}</code>.</p>
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
        if self.deadline is None:
            return "see the cycle status"
        # A deadline keeps the offset of the calendar that set it: say it in those terms.
        offset = self.deadline.strftime("%z")
        return f"{self.deadline:%A %d %B %Y, %H:%M} (UTC{offset[:3]}:{offset[3:]})"

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
    def command(self) -> str:
        if self.step == NOMINATION_STEP:
            return (
                f"ascn nominate --year {self.year} --file nominations.yaml "
                f"--as {self.recipient}/<your id>"
            )
        return f"ascn approve --year {self.year} --step {self.step} --as chair_team/<your id>"

    @property
    def api(self) -> str:
        if self.step == NOMINATION_STEP:
            return f"POST /v1/cycles/{self.year}/nominations (or /nil-returns)"
        return f"POST /v1/cycles/{self.year}/steps/{self.step}/approve"

    @property
    def outstanding_text(self) -> str:
        return ", ".join(self.outstanding)


def render(
    *,
    message_id: str,
    subject: str,
    sender: str,
    to_name: str,
    to_address: str,
    items: list[Item],
    now: datetime,
) -> EmailMessage:
    """A multipart (text + HTML) mail with the given, deterministic Message-ID."""
    context = {
        "name": to_name,
        "items": [
            {
                "year": i.year,
                "step": i.step,
                "headline": i.headline,
                "due": i.due,
                "if_missed": i.if_missed,
                "command": i.command,
                "api": i.api,
                "outstanding": i.outstanding_text,
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
