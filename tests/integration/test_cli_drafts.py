"""`ascn draft-report` and `ascn submit-draft`: a Markdown narrative, checked before
anything is sent (one line naming the file, the line and what is wrong), and the answer
printed as the version's number, digest and position."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ascn.cli import app
from ascn.cli import chain as chain_cli
from ascn.errors import UsageError
from ascn.narrative_file import read_narrative
from tests.integration.test_cli import ascn, assert_one_line_error

SHA = "d" * 64
NARRATIVE = """

## Foreword
The ASCN's first year: 26 pilot cities.

### A lower heading stays in the text
- a list item

## Outcomes
Two twinning pairs.
"""


def written(tmp_path: Path, text: str | bytes, name: str = "narrative.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_each_level_two_heading_starts_a_section(tmp_path: Path) -> None:
    assert read_narrative(written(tmp_path, NARRATIVE)) == [
        {"heading": "Foreword", "text": "The ASCN's first year: 26 pilot cities.\n\n"
                                         "### A lower heading stays in the text\n- a list item"},
        {"heading": "Outcomes", "text": "Two twinning pairs."},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("A preface\n## Foreword\ntext", ":1: text before the first heading"),
        ("## \ntext", ":1: a heading with no words"),
        ("## Foreword\n\n## Outcomes\ntext", ":1: section 'Foreword' has no text"),
        ("## Fore\tword\ntext", ":1: the heading 'Fore\\tword': character 5 is U+0009 TAB"),
        ("## Bau\u202ecau\ntext", ":1: the heading 'Bau\\u202ecau': character 4 is U+202E"),
        ("## Foreword\na\x1b[2J\x07", ":1: the text of section 'Foreword': character 2 is U+001B"),
        ("## " + "h" * 201 + "\ntext", ":1: the heading is 201 characters; at most 200"),
        ("## Foreword\n" + "x" * 20_001, "section 'Foreword' is 20,001 characters; at most"),
        ("## Foreword\na\x00b", ":1: the text of section 'Foreword': character 2 is U+0000 NUL"),
        ("".join(f"## Part {n}\ntext\n" for n in range(21)),
         "21 sections; at most 20 (the one too many starts at line 41)"),
        ("".join(f"## Part {n}\n{'ผ' * 19_000}\n" for n in range(2)),
         "the narrative is 114,"),
        ("\n\n", "no section; each starts with a line '## <heading>'"),
        (b"## Foreword\n\xff\xfe", "not UTF-8 text (byte 12)"),
    ],
)  # fmt: skip
def test_a_faulty_narrative_is_one_line_naming_what_is_wrong(
    tmp_path: Path, text: str | bytes, says: str
) -> None:
    path = written(tmp_path, text)
    with pytest.raises(UsageError) as raised:
        read_narrative(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert says in message
    assert "\n" not in message


def test_the_command_refuses_a_faulty_file_before_signing_in(tmp_path: Path) -> None:
    path = written(tmp_path, "A preface\n## Foreword\ntext")

    result = ascn("draft-report", "--year", "2018", "--narrative", str(path),
                  cwd=tmp_path, env={"ASCN_CONFIG_DIR": str(tmp_path)})  # fmt: skip

    assert_one_line_error(result, f"{path}:1: text before the first heading")
    missing = ascn("draft-report", "--year", "2018", "--narrative", "absent.md",
                   cwd=tmp_path)  # fmt: skip
    assert_one_line_error(missing, "cannot read absent.md")


class FakeApi:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.posted: list[tuple[str, Any]] = []

    def post(self, path: str, body: Any = None) -> Any:
        self.posted.append((path, body))
        return self.answers[path]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    fake = FakeApi({
        "/v1/cycles/2018/report/drafts": {
            "recorded": ["ReportDrafted"], "version": 2, "document_sha256": SHA,
            "as_of_position": 97, "note": "the submission to the JCM by the shepherd named an "
            "older version and no longer stands",
        },
        "/v1/cycles/2018/report/draft-submission": {
            "recorded": ["ReportDraftSubmitted"], "version": 2, "document_sha256": SHA,
            "note": None,
        },
        "/v1/cycles/2018/jcm-submission": {
            "recorded": ["ReportSubmitted"], "version": 2, "document_sha256": SHA,
            "note": "waiting for the shepherd to submit version 2",
        },
    })  # fmt: skip

    @contextmanager
    def signed_in() -> Iterator[FakeApi]:
        yield fake

    monkeypatch.setattr(chain_cli, "signed_in", signed_in)
    return fake


def test_a_draft_prints_its_number_digest_and_position(tmp_path: Path, api: FakeApi) -> None:
    path = written(tmp_path, NARRATIVE)

    result = CliRunner().invoke(app, ["draft-report", "--year", "2018", "--narrative", str(path)])

    assert result.exit_code == 0, result.output
    ((sent_to, body),) = api.posted
    assert sent_to == "/v1/cycles/2018/report/drafts"
    assert [s["heading"] for s in body["narrative"]] == ["Foreword", "Outcomes"]
    assert f"version 2 of the 2018 report drafted: sha256 {SHA}, as of position 97" in (
        " ".join(result.output.split())
    )
    assert "no longer stands" in result.output


def test_submissions_print_the_version_they_named(api: FakeApi) -> None:
    draft = CliRunner().invoke(app, ["submit-draft", "--year", "2018"])
    jcm = CliRunner().invoke(app, ["submit-report", "--year", "2018"])

    assert draft.exit_code == jcm.exit_code == 0, draft.output + jcm.output
    assert "recorded: ReportDraftSubmitted" in draft.output
    assert f"version 2 submitted by ASEC (sha256 {SHA})" in " ".join(draft.output.split())
    assert f"version 2 submitted to the JCM (sha256 {SHA})" in " ".join(jcm.output.split())
    assert "waiting for the shepherd to submit version 2" in jcm.output


def test_submit_report_names_the_version_read_only_when_asked(api: FakeApi) -> None:
    named = CliRunner().invoke(app, ["submit-report", "--year", "2018", "--version", "2"])
    latest = CliRunner().invoke(app, ["submit-report", "--year", "2018"])

    assert named.exit_code == latest.exit_code == 0, named.output + latest.output
    assert api.posted == [
        ("/v1/cycles/2018/jcm-submission", {"version": 2}),
        ("/v1/cycles/2018/jcm-submission", None),
    ]


def test_submit_draft_names_the_version_read_only_when_asked(api: FakeApi) -> None:
    named = CliRunner().invoke(app, ["submit-draft", "--year", "2018", "--version", "2"])
    latest = CliRunner().invoke(app, ["submit-draft", "--year", "2018"])
    nothing = CliRunner().invoke(app, ["submit-draft", "--year", "2018", "--version", "0"])

    assert named.exit_code == latest.exit_code == 0, named.output + latest.output
    assert nothing.exit_code == 2
    assert "--version" in nothing.output
    assert api.posted == [
        ("/v1/cycles/2018/report/draft-submission", {"version": 2}),
        ("/v1/cycles/2018/report/draft-submission", None),
    ]
