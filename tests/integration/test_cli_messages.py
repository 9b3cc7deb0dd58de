"""The CLI's own messages say what was wrong in the user's words, never an internal
(an OverflowError, a UnicodeDecodeError, 'None', pydantic's wording)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ascn.cli import app
from ascn.errors import UsageError
from ascn.operate import read_nominations


def year_commands() -> list[list[str]]:
    """Every command that takes --year, as the words that call it."""
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*path, name])
        if any("--year" in getattr(param, "opts", ()) for param in command.params):
            found.append(path)

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = year_commands()


def test_the_year_commands_are_found() -> None:
    assert len(COMMANDS) > 20
    assert ["status"] in COMMANDS
    assert ["cycle", "start"] in COMMANDS


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("year", "says"),
    [("99999999999999999999999", "less than or equal to 9999"),
     ("0", "greater than or equal to 1967")],
)  # fmt: skip
def test_every_year_is_bounded_to_the_apis_range(words: list[str], year: str, says: str) -> None:
    result = CliRunner().invoke(app, [*words, "--year", year])

    assert result.exit_code == 2, result.output
    assert "'--year'" in result.output
    assert says in result.output
    assert "OverflowError" not in result.output


def test_a_binary_nominations_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "nominations.yaml"
    path.write_bytes(b"member_state: MY\n\xff\xfe\x00\x01")

    with pytest.raises(UsageError) as raised:
        read_nominations(path)

    assert str(raised.value) == f"{path}: not UTF-8 text (byte 17); give a YAML or JSON file"
