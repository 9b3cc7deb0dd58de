"""What the pages read, on SQLite and PostgreSQL: the grid's cells, the returns, the
Gantt's dates, the audit trail and failed mail, from the read models and the cycle's
stream of a 2027 cycle whose nominations escalated."""

from __future__ import annotations

from sqlalchemy import Engine, insert

from api.pages import views
from api.pages.gantt import gantt
from domain.reference import ReferenceData
from eventstore.readmodels.cycles import cycle_view
from eventstore.readmodels.schema import outbox
from tests.web.conftest import NOW, YEAR, CycleStore


def test_the_board_the_timeline_and_the_audit_trail_read_the_cycle(engine: Engine) -> None:
    cycle = CycleStore(engine)
    cycle.open_2027()
    view = cycle_view(engine, YEAR)
    assert view is not None
    reference = ReferenceData.load()
    board = views.board(view, reference, engine, NOW)
    nominations = {code: board.cells[("nomination_deadline", code)].status for code in board.codes}
    assert nominations["TH"] == "submitted"
    assert nominations["MY"] == "escalated"
    assert board.cells[("annual_meeting", "MY")].status == "not_owed"
    assert board.cells[("scgw", "MY")].text == "pending"

    dates = views.step_dates(cycle.store, view)
    assert [d.step for d in dates] == ["nomination_deadline", "scgw", "progress_review",
                                       "annual_meeting", "report_draft",
                                       "jcm_submission"]  # fmt: skip
    assert [rung for _, rung in dates[0].escalations] == ["deadline"]
    chart = gantt(dates, NOW)
    assert chart.today_x is not None
    assert len(chart.rows[0].escalations) == 1

    rows = views.audit_rows(cycle.store, view, reference, member_state="TH")
    assert [row.story for row in rows if "nominates" in row.story] == ["TH nominates Bangkok*"]
    assert all(len(row.hash) == 64 for row in rows)
    by_step = views.audit_rows(cycle.store, view, reference, step="nomination_deadline")
    assert {row.step for row in by_step} == {"nomination_deadline"}
    by_actor = views.audit_rows(cycle.store, view, reference, actor="nr:SG")
    assert [row.actor for row in by_actor] == ["nr:SG/nr"]


def test_failed_mail_lists_only_mail_that_failed(engine: Engine) -> None:
    row = {
        "year": YEAR, "step": "nomination_deadline", "rung": "T-7", "kind": "reminder",
        "recipient": "nr:MY", "address": "nr.my@ascn.example", "delivery": "immediate",
        "subject": "s", "deadline": NOW, "deadline_offset_minutes": 420, "outstanding": [],
        "attempts": 3, "next_attempt_at": NOW, "last_error": "550 no such mailbox",
        "created_position": 1, "digest_id": None,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(outbox).values(message_id="<a@ascn>", state="failed", **row))
        conn.execute(insert(outbox).values(message_id="<b@ascn>", state="delivered", **row))
    failed = views.failed_mail(engine)
    assert [(m["message_id"], m["last_error"]) for m in failed] == [
        ("<a@ascn>", "550 no such mailbox")
    ]
