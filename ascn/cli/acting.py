"""What people do on a cycle, as the user `ascn login` signed in: through the HTTP API.

No command takes a self-declared actor: the API knows who the token belongs to, and the
cycle checks it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ascn.cli.client import (
    ApiClient,
    Credentials,
    credentials_path,
    load_credentials,
    save_credentials,
)
from ascn.cli.common import Year, group, load, out
from ascn.errors import UsageError
from ascn.operate import read_nominations

app = typer.Typer()
exceptions_app = group("Exceptions to the nomination rules (the Chair's team).")

Step = Annotated[str, typer.Option(help="Step name, e.g. scgw.")]
Reason = Annotated[str, typer.Option(help="Why; recorded with the decision.")]


@contextmanager
def signed_in() -> Iterator[ApiClient]:
    settings = load()
    credentials = load_credentials(credentials_path(settings.config_dir))
    client = ApiClient(credentials, waiting=lambda line: out.print(f"[yellow]{line}[/yellow]"))
    try:
        yield client
    finally:
        client.close()


def _done(answer: Any) -> None:
    recorded = answer.get("recorded", []) if isinstance(answer, dict) else []
    out.print(f"recorded: {', '.join(recorded) or 'nothing new'}")


@app.command()
def login(
    url: Annotated[str, typer.Option(help="The ascn API, e.g. http://127.0.0.1:8000.")],
    token: Annotated[
        str | None,
        typer.Option(help="Your API token; asked for (hidden) when not given.", hidden=True),
    ] = None,
) -> None:
    """Sign in to the API with the token an admin gave you; it is kept for later commands."""
    settings = load()
    secret = token or typer.prompt("token", hide_input=True)
    credentials = Credentials(url=url.rstrip("/"), token=secret.strip())
    client = ApiClient(credentials)
    try:
        me = client.get("/v1/me")
    finally:
        client.close()
    path = credentials_path(settings.config_dir)
    save_credentials(path, credentials)
    out.print(f"signed in to {credentials.url} as {me['label']} (token kept in {path})")


@app.command()
def logout() -> None:
    """Forget the stored token."""
    path = credentials_path(load().config_dir)
    path.unlink(missing_ok=True)
    out.print("signed out")


@app.command()
def nominate(
    year: Year,
    file: Annotated[
        Path, typer.Option(help="YAML or JSON: member_state, national_representative, cities.")
    ],
) -> None:
    """Submit your member state's nominations (its NR)."""
    body = read_nominations(file)
    with signed_in() as api, out.status(f"submitting {body['member_state']}'s nominations..."):
        _done(api.post(f"/v1/cycles/{year}/nominations", body))


@app.command("nil-return")
def nil_return(
    year: Year,
    member_state: Annotated[str, typer.Option(help="Your member state, e.g. MY.")],
) -> None:
    """Declare no change: your last accepted nominations carry forward (its NR)."""
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/nil-returns", {"member_state": member_state}))


@app.command()
def approve(year: Year, step: Step) -> None:
    """Approve a step (the Chair's team of the year; ASEC for a step it owes)."""
    with signed_in() as api, out.status(f"approving {step} of {year}..."):
        _done(api.post(f"/v1/cycles/{year}/steps/{step}/approve"))


@app.command()
def extend(
    year: Year,
    step: Step,
    to: Annotated[
        str,
        typer.Option(
            help="New deadline: a date (the end of that day in the cycle's time "
            "zone) or an ISO datetime with its offset."
        ),
    ],
    reason: Reason,
    move_later_steps: Annotated[
        bool, typer.Option(help="Also move later steps due before the new deadline.")
    ] = False,
) -> None:
    """Extend a step's deadline (the Chair's team): moves the timers, records who and why."""
    deadline = _deadline(to)
    body = {"new_deadline": deadline.isoformat(), "reason": reason,
            "move_later_steps": move_later_steps}  # fmt: skip
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/steps/{step}/extend", body))
    if isinstance(deadline, datetime):
        out.print(f"{step} now due {deadline.isoformat()}")
    else:
        out.print(f"{step} now due at the end of {deadline.isoformat()} in the cycle's zone")


@app.command()
def waive(year: Year, step: Step, reason: Reason) -> None:
    """Waive a step (the Chair's team): it completes without what it waited for."""
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/steps/{step}/waive", {"reason": reason}))


@exceptions_app.command("grant")
def grant(
    year: Year,
    member_state: Annotated[str, typer.Option(help="The member state, e.g. MY.")],
    exception_id: Annotated[str, typer.Option("--id", help="A unique id, e.g. MY-2027-4.")],
    rule: Annotated[str, typer.Option(help="max_cities or capital_required.")],
    reason: Reason,
    max_cities: Annotated[int | None, typer.Option(help="With max_cities: how many.")] = None,
) -> None:
    """Let one member state break one nomination rule this year (the Chair's team)."""
    body = {
        "member_state": member_state, "exception_id": exception_id, "rule": rule,
        "max_cities": max_cities, "reason": reason,
    }  # fmt: skip
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/exceptions", body))


def _deadline(value: str) -> date | datetime:
    """A date goes to the cycle as it is: it is the end of that day in the cycle's zone,
    which the cycle knows. A datetime must carry its offset."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--to {value!r} is not a date (YYYY-MM-DD) or an ISO datetime") from None
    if moment.tzinfo is None:
        raise UsageError(f"--to {value!r} needs a time zone offset, or give a date")
    return moment
