"""The feeds are read from the cycle read models, built from the events the mail tests record."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.mail.conftest import Cycle


@pytest.fixture
def cycle(engine: Engine) -> Cycle:
    return Cycle(engine)
