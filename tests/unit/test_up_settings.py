"""`ascn up`'s own settings: the pages' links follow the port it serves them on."""

from __future__ import annotations

from pathlib import Path

import pytest

from ascn.settings import load_settings
from ascn.up import Ports, embedded_settings


def test_links_follow_the_api_port_ascn_up_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASCN_BASE_URL", raising=False)

    settings = embedded_settings(load_settings(), tmp_path, Ports(api=18000))

    assert settings.base_url == "http://127.0.0.1:18000"


def test_a_base_url_that_is_set_wins_over_the_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASCN_BASE_URL", "https://ascn.example.org")

    settings = embedded_settings(load_settings(), tmp_path, Ports(api=18000))

    assert settings.base_url == "https://ascn.example.org"
