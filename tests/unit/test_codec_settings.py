"""ASCN_CODEC_CORS_ORIGINS: the web UI origins that may call the codec endpoint."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ascn.settings import Settings


def test_the_default_is_the_dev_servers_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASCN_CODEC_CORS_ORIGINS", raising=False)
    assert Settings().codec_cors_origin_list == ("http://127.0.0.1:8233", "http://localhost:8233")


def test_the_environment_names_the_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCN_CODEC_CORS_ORIGINS", " https://ui.ascn.example , ")
    assert Settings().codec_cors_origin_list == ("https://ui.ascn.example",)


@pytest.mark.parametrize(
    "origin", ["https://ui.example/", "ui.example", "ftp://ui.example", "https://ui.example/x"]
)
def test_something_that_is_not_an_origin_is_refused(origin: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(codec_cors_origins=origin)


def test_ascn_keys_new_prints_a_key_the_settings_accept() -> None:
    from typer.testing import CliRunner

    from ascn.cli import app
    from ascn.settings import parse_keyring

    printed = CliRunner().invoke(app, ["keys", "new", "--id", "seal-2027"]).stdout.strip()
    keyring = parse_keyring(printed)
    assert list(keyring) == ["seal-2027"]
    assert len(keyring["seal-2027"]) == 32
