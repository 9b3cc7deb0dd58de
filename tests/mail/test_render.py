"""Each mail tells its reader what that reader can do, and nothing their role may not.

Every recipient kind the cycle mails (an NR owing nominations, an NR owing another
member-states step, the NR of the Chair owing a Chair-of-the-ASCN step, the shepherd,
the Chair of the ASCN, ASEC, the JCM report) is rendered through both templates (text
and HTML), alone and in a digest. Every ``ascn`` command and HTTP call a mail names is
mapped to its Action and checked against ``domain.access.permits`` for the reader's role.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.access import Action, Scope, permits
from domain.actors import Actor
from domain.calendar import inaugural_2018, recurring
from domain.reference import ReferenceData
from mail.render import Item, render

REFERENCE = ReferenceData.load()
DEADLINE = datetime(2027, 2, 28, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))
NOW = datetime(2027, 2, 14, 1, 0, tzinfo=UTC)
PARTS = ("plain", "html")

# Every command a mail may name, and what it does; ``login`` is no action (anyone may).
COMMANDS: dict[str, Action | None] = {
    "nominate": Action.SUBMIT_NOMINATIONS,
    "nil-return": Action.DECLARE_NIL_RETURN,
    "approve": Action.APPROVE_STEP,
    "extend": Action.EXTEND_DEADLINE,
    "waive": Action.WAIVE_STEP,
    "exceptions grant": Action.GRANT_EXCEPTION,
    "status": Action.READ_CYCLE,
    "login": None,
}
ROUTES: tuple[tuple[str, Action], ...] = (
    (r"POST /v1/cycles/\d+/nominations", Action.SUBMIT_NOMINATIONS),
    (r"POST /v1/cycles/\d+/nil-returns", Action.DECLARE_NIL_RETURN),
    (r"POST /v1/cycles/\d+/steps/\w+/approve", Action.APPROVE_STEP),
    (r"POST /v1/cycles/\d+/steps/\w+/extend", Action.EXTEND_DEADLINE),
    (r"POST /v1/cycles/\d+/steps/\w+/waive", Action.WAIVE_STEP),
    (r"POST /v1/cycles/\d+/exceptions", Action.GRANT_EXCEPTION),
    (r"GET /v1/cycles/\d+", Action.READ_CYCLE),
    (r"POST /v1/cycles", Action.START_CYCLE),
)
COMMAND = re.compile(r"\bascn (exceptions grant|[a-z][a-z-]*)((?: --?[a-z-]+(?: [^\s-]\S*)?)*)")
ROUTE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) /v1/[^\s)]*")


def reader_of(recipient: str) -> Actor | None:
    """The role each party label acts in; the JCM report's mailbox has none."""
    if recipient.startswith("chair_of_ascn:nr:"):
        return Actor.chair_team(recipient.removeprefix("chair_of_ascn:nr:"), "chair")
    kind, _, code = recipient.partition(":")
    if kind == "nr":
        return Actor.nr(code, "nr")
    if kind == "shepherd":
        return Actor.shepherd(code, "shepherd")
    if recipient == "asec":
        return Actor(id="imd", role="asec")
    return None


def owed_by(year: int, step: str) -> str:
    calendar = inaugural_2018() if year == 2018 else recurring(year)
    return next(s.owed_by for s in calendar.steps if s.step == step)


def named(text: str) -> list[tuple[str, Action | None, str | None]]:
    """Every command and HTTP call in ``text``: (what, action, member state it names)."""
    found: list[tuple[str, Action | None, str | None]] = []
    for match in COMMAND.finditer(text):
        name, options = match.group(1), match.group(2)
        assert name in COMMANDS, f"the mail names an unknown command: {match.group(0)!r}"
        state = re.search(r"--member-state (\w+)", options)
        found.append((f"ascn {name}", COMMANDS[name], state.group(1) if state else None))
    for match in ROUTE.finditer(text):
        call = match.group(0)
        action = next((a for pattern, a in ROUTES if re.fullmatch(pattern, call)), None)
        assert action is not None, f"the mail names an unknown HTTP call: {call!r}"
        found.append((call, action, None))
    return found


def forbidden(recipient: str, year: int, step: str, text: str) -> list[str]:
    """What ``text`` tells ``recipient`` to run that its role may not."""
    reader = reader_of(recipient)
    refused: list[str] = []
    for what, action, state in named(text):
        if reader is None:  # no role: no command at all, not even a login
            refused.append(what)
            continue
        if action is None:
            continue
        scope = Scope(
            year=year,
            chair=REFERENCE.chair_for(year).code,
            shepherd=REFERENCE.shepherd_for(year).code,
            member_state=state or reader.member_state,
            owed_by=owed_by(year, step),
        )
        if not permits(reader, action, scope):
            refused.append(what)
    return refused


def part(item_or_items: Item | list[Item], which: str) -> str:
    items = item_or_items if isinstance(item_or_items, list) else [item_or_items]
    message = render(
        message_id="<0@ascn>", subject="[ASCN] test", sender="ascn@ascn.example",
        to_name="Reader", to_address="reader@ascn.example", items=items, now=NOW,
    )  # fmt: skip
    body = message.get_body(preferencelist=(which,))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    if which == "html":  # read the HTML as its reader sees it: "To act: ..."
        content = html.unescape(re.sub(r"<[^>]+>", "", content.replace("</th>", ": ")))
    return " ".join(content.split())


@dataclass(frozen=True)
class Case:
    recipient: str
    year: int
    step: str
    kind: str
    rung: str
    lines: tuple[str, ...]
    """What "To act" must say (whitespace folded)."""
    runs: frozenset[str]
    """Exactly the commands and HTTP calls the mail names (with the footer's)."""

    @property
    def item(self) -> Item:
        outstanding = ("nr:MY", "nr:TH") if self.kind == "escalation" else ()
        return Item(
            year=self.year, step=self.step, rung=self.rung, kind=self.kind,
            recipient=self.recipient, deadline=DEADLINE, outstanding=outstanding,
        )  # fmt: skip


READS_2027 = frozenset({"ascn status", "ascn login", "GET /v1/cycles/2027"})
READS_2018 = frozenset({"ascn status", "ascn login", "GET /v1/cycles/2018"})
CASES = [
    Case(
        "nr:MY", 2027, "nomination_deadline", "reminder", "T-7",
        ("To act: ascn nominate --year 2027 --file nominations.yaml",
         "ascn nil-return --year 2027 --member-state MY",
         "POST /v1/cycles/2027/nominations", "POST /v1/cycles/2027/nil-returns"),
        READS_2027 | {"ascn nominate", "ascn nil-return", "POST /v1/cycles/2027/nominations",
                      "POST /v1/cycles/2027/nil-returns"},
    ),
    Case(
        "nr:MY", 2027, "scgw", "reminder", "T-14",
        ("To act: take part in scgw (Smart Cities Governance Workshop)",
         "Nothing for you to run: the Chair's team (chair_team:SG) approves the step once "
         "every AMS has taken part", "write to them, not to this address"),
        READS_2027,
    ),
    Case(
        "nr:TH", 2018, "scgw", "reminder", "T-1",
        ("To act: take part in scgw (Smart Cities Governance Workshop, Singapore)",
         "the Chair's team (chair_team:SG) approves the step once every AMS has taken part"),
        READS_2018,
    ),
    Case(
        "nr:SG", 2027, "annual_meeting", "reminder", "T-7",
        ("To act: as the Chair of the ASCN (SG), deliver: annual_meeting",
         "Nothing for you to run: the Chair's team (chair_team:SG) approves the step"),
        READS_2027,
    ),
    Case(
        "nr:SG", 2018, "framework_draft", "reminder", "T-14",
        ("To act: as the Chair of the ASCN (SG), deliver: framework_draft",
         "the Chair's team (chair_team:SG) approves the step"),
        READS_2018,
    ),
    Case(
        "shepherd:ID", 2027, "nomination_deadline", "escalation", "deadline",
        ("To act: follow up: ascn status --year 2027 lists who is overdue; contact each of them",
         "GET /v1/cycles/2027"),
        READS_2027,
    ),
    Case(
        "shepherd:SG", 2018, "scgw", "escalation", "deadline",
        ("To act: follow up: ascn status --year 2018 lists who is overdue",),
        READS_2018,
    ),
    Case(
        "chair_of_ascn:nr:SG", 2027, "nomination_deadline", "escalation", "deadline+7d",
        ("To act: as the Chair's team (chair_team:SG), approve the step when it is done: "
         "ascn approve --year 2027 --step nomination_deadline",
         'ascn extend --year 2027 --step nomination_deadline --to YYYY-MM-DD --reason "..."',
         "POST /v1/cycles/2027/steps/nomination_deadline/approve",
         "POST /v1/cycles/2027/steps/nomination_deadline/extend"),
        READS_2027 | {"ascn approve", "ascn extend",
                      "POST /v1/cycles/2027/steps/nomination_deadline/approve",
                      "POST /v1/cycles/2027/steps/nomination_deadline/extend"},
    ),
    Case(
        "chair_of_ascn:nr:SG", 2018, "annual_meeting", "escalation", "deadline+7d",
        ("ascn approve --year 2018 --step annual_meeting",
         "ascn extend --year 2018 --step annual_meeting --to YYYY-MM-DD"),
        READS_2018 | {"ascn approve", "ascn extend",
                      "POST /v1/cycles/2018/steps/annual_meeting/approve",
                      "POST /v1/cycles/2018/steps/annual_meeting/extend"},
    ),
    Case(
        "asec", 2027, "acc", "reminder", "T-7",
        ("To act: ASEC owes this step; once it is done, approve it: "
         "ascn approve --year 2027 --step acc", "POST /v1/cycles/2027/steps/acc/approve"),
        READS_2027 | {"ascn approve", "POST /v1/cycles/2027/steps/acc/approve"},
    ),
    Case(
        "asec", 2018, "endorsement", "reminder", "T-1",
        ("ascn approve --year 2018 --step endorsement",),
        READS_2018 | {"ascn approve", "POST /v1/cycles/2018/steps/endorsement/approve"},
    ),
    Case(
        "jcm_report", 2027, "scgw", "escalation", "deadline+14d",
        ("To act: nothing to run: scgw is flagged outstanding for the JCM report",),
        frozenset(),
    ),
]  # fmt: skip
IDS = [f"{c.recipient}-{c.year}-{c.step}" for c in CASES]


@pytest.mark.parametrize("which", PARTS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_reader_is_told_what_they_can_do(case: Case, which: str) -> None:
    text = part(case.item, which)

    for line in case.lines:
        assert line in text
    assert {what for what, _, _ in named(text)} == case.runs
    assert forbidden(case.recipient, case.year, case.step, text) == []


@pytest.mark.parametrize("which", PARTS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_digest_tells_each_item_its_own_action(case: Case, which: str) -> None:
    # The same reader's digest: this item, and the same reminder or escalation a
    # rung later (digests list a party's items of the day, in order).
    later = Item(
        year=case.year, step=case.step, rung=f"{case.rung}+", kind=case.kind,
        recipient=case.recipient, deadline=DEADLINE + timedelta(days=7),
    )  # fmt: skip
    text = part([case.item, later], which)

    assert "1. " in text or which == "html"
    for line in case.lines:
        assert text.count(line) >= 2, line
    assert forbidden(case.recipient, case.year, case.step, text) == []


@pytest.mark.parametrize(
    ("recipient", "step", "text", "refused"),
    [
        # What the mails said before: an NR told to run the Chair's team's approve...
        ("nr:MY", "scgw", "To act: ascn approve --year 2027 --step scgw --as chair_team/x",
         ["ascn approve"]),
        ("nr:MY", "scgw", "or POST /v1/cycles/2027/steps/scgw/approve",
         ["POST /v1/cycles/2027/steps/scgw/approve"]),
        # ...the shepherd told to nominate, an NR told to act for another member state...
        ("shepherd:ID", "nomination_deadline", "ascn nominate --year 2027 --file f.yaml",
         ["ascn nominate"]),
        ("nr:MY", "nomination_deadline", "ascn nil-return --year 2027 --member-state TH",
         ["ascn nil-return"]),
        # ...ASEC told to extend, the Chair's team of another year, the JCM report's mailbox.
        ("asec", "acc", "ascn extend --year 2027 --step acc --to 2027-12-01 --reason r",
         ["ascn extend"]),
        ("chair_of_ascn:nr:PH", "scgw", "ascn approve --year 2027 --step scgw",
         ["ascn approve"]),
        ("jcm_report", "scgw", "ascn status --year 2027", ["ascn status"]),
    ],
)  # fmt: skip
def test_the_role_check_refuses_what_a_role_may_not_run(
    recipient: str, step: str, text: str, refused: list[str]
) -> None:
    assert forbidden(recipient, 2027, step, text) == refused


def test_an_unknown_command_in_a_mail_fails_the_check() -> None:
    with pytest.raises(AssertionError, match="unknown command"):
        named("run ascn reset --year 2027")


def test_what_people_supplied_is_escaped_in_the_html_part() -> None:
    # A contact's name comes from data people edit: it must never become markup.
    item = Item(
        year=2027, step="nomination_deadline", rung="T-7", kind="reminder",
        recipient="nr:MY", deadline=DEADLINE, outstanding=("nr:MY",),
    )  # fmt: skip
    mail = render(
        message_id="<x@ascn>", subject="s", sender="ascn <a@ascn.example>",
        to_name='<script>alert("x")</script>', to_address="nr.my@ascn.example",
        items=[item], now=DEADLINE,
    )  # fmt: skip

    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("recipient", "step", "page"),
    [
        ("nr:MY", "nomination_deadline", "/app/cycles/2027/nominations"),
        ("nr:MY", "scgw", "/app/nr"),
        ("chair_of_ascn:nr:SG", "scgw", "/app/inbox"),
        ("shepherd:ID", "scgw", "/app/cycles/2027"),
        ("asec", "jcm_submission", "/app/asec"),
    ],
)
def test_a_mail_links_to_the_page_where_its_reader_acts(
    recipient: str, step: str, page: str
) -> None:
    item = Item(
        year=2027, step=step, rung="T-7", kind="reminder", recipient=recipient,
        deadline=DEADLINE, outstanding=(recipient,),
    )  # fmt: skip
    mail = render(
        message_id="<x@ascn>", subject="s", sender="ascn <a@ascn.example>", to_name="You",
        to_address="you@ascn.example", items=[item], now=DEADLINE,
        base_url="https://ascn.example.gov/",
    )  # fmt: skip
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_content()
    body = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert f"Online:    https://ascn.example.gov{page}\n" in text
    assert f'<a href="https://ascn.example.gov{page}">' in body


def test_without_a_base_url_a_mail_names_no_page() -> None:
    item = Item(
        year=2027, step="nomination_deadline", rung="T-7", kind="reminder",
        recipient="nr:MY", deadline=DEADLINE, outstanding=("nr:MY",),
    )  # fmt: skip
    mail = render(
        message_id="<x@ascn>", subject="s", sender="ascn <a@ascn.example>", to_name="You",
        to_address="you@ascn.example", items=[item], now=DEADLINE,
    )  # fmt: skip
    assert "Online:" not in str(mail)


def told(recipient: str, deadline: datetime = DEADLINE) -> dict[str, list[str]]:
    """The lines of each part that say when the step is due."""
    item = Item(
        year=2027, step="nomination_deadline", rung="T-7", kind="reminder",
        recipient=recipient, deadline=deadline,
    )  # fmt: skip
    return {which: part(item, which).split(" Your time: ") for which in PARTS}


@pytest.mark.parametrize(
    ("recipient", "theirs"),
    [
        ("nr:TH", None),  # Bangkok keeps the calendar's offset: nothing to add
        ("asec", None),  # Jakarta, the calendar's own zone
        ("nr:MY", "Monday 01 March 2027, 00:59 (UTC+08:00, Asia/Kuala_Lumpur)"),
        ("chair_of_ascn:nr:MM", "Sunday 28 February 2027, 23:29 (UTC+06:30, Asia/Yangon)"),
        ("jcm_report", "Monday 01 March 2027, 00:59 (UTC+08:00, Asia/Singapore)"),  # the Chair's
        ("someone-else", None),  # no member state: no zone of its own
    ],
)
def test_the_deadline_is_the_end_of_its_day_in_the_calendar_and_in_the_readers_zone(
    recipient: str, theirs: str | None
) -> None:
    for which, halves in told(recipient).items():
        assert "Sunday 28 February 2027, 23:59 (UTC+07:00), end of day" in halves[0], which
        if theirs is None:
            assert len(halves) == 1, which
        else:
            assert halves[1].startswith(theirs), which


def test_a_deadline_an_extension_set_within_a_day_is_not_called_its_end() -> None:
    noon = datetime(2027, 3, 5, 12, 0, tzinfo=timezone(timedelta(hours=7)))

    for halves in told("nr:MY", noon).values():
        assert "Friday 05 March 2027, 12:00 (UTC+07:00)" in halves[0]
        assert "end of day" not in " ".join(halves)
        assert halves[1].startswith("Friday 05 March 2027, 13:00 (UTC+08:00, Asia/Kuala_Lumpur)")
