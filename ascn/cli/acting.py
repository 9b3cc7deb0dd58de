"""What people do on a running cycle: the NRs' and the Chair's team's commands."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ascn.cli.common import Year, load, out
from ascn.operate import (
    actor_from,
    cycle_zone,
    deadline_from,
    read_nominations,
    recorded,
    with_gateway,
)
from workflows.messages import ApproveStepUpdate, ExtendDeadlineUpdate

app = typer.Typer()

As = Annotated[
    str, typer.Option("--as", help="Who acts, as role/id: nr:MY/aziz, chair_team/alice.")
]


@app.command()
def nominate(
    year: Year,
    file: Annotated[
        Path, typer.Option(help="YAML or JSON: member_state, national_representative, cities.")
    ],
    actor: As,
) -> None:
    """Submit a member state's nominations (the NR of that AMS only)."""
    settings = load()
    update = read_nominations(file, actor_from(actor))
    update = update.model_copy(update={"sent_at": update.sent_at or datetime.now(UTC)})
    with out.status(f"submitting {update.member_state}'s nominations for {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.submit_nominations(year, update)))
    out.print(f"recorded: {recorded(result)}")


@app.command()
def approve(
    year: Year, step: Annotated[str, typer.Option(help="Step name, e.g. scgw.")], actor: As
) -> None:
    """Approve a step (the Chair's team only)."""
    settings = load()
    update = ApproveStepUpdate(actor=actor_from(actor), step=step)
    with out.status(f"approving {step} of {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.approve_step(year, update)))
    out.print(f"recorded: {recorded(result)}")


@app.command()
def extend(
    year: Year,
    step: Annotated[str, typer.Option(help="Step name.")],
    to: Annotated[
        str, typer.Option(help="New deadline: a date (end of that day) or ISO datetime.")
    ],
    reason: Annotated[str, typer.Option(help="Why; recorded with the extension.")],
    actor: As,
) -> None:
    """Extend a step's deadline (the Chair's team only): moves the timers, records who and why."""
    settings = load()
    zone = asyncio.run(cycle_zone(settings, year))
    update = ExtendDeadlineUpdate(
        actor=actor_from(actor), step=step, new_deadline=deadline_from(to, zone), reason=reason
    )
    with out.status(f"extending {step} of {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.extend_deadline(year, update)))
    out.print(f"recorded: {recorded(result)}; {step} now due {update.new_deadline.isoformat()}")
