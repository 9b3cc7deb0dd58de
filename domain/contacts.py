"""Who receives the cycle's mail: one address per party label.

Party labels are those the cycle records: ``nr:<AMS>``, ``shepherd:<AMS>``,
``chair_of_ascn:nr:<AMS>``, ``jcm_report`` and ``asec``; and every role a person signs
in to the pages as (the link goes to the role's address): ``chair_team:<AMS>``,
``csco:<city-id>`` and ``admin`` too. The packaged file holds placeholders for every
member state and city of the packaged reference data (``*@ascn.example``); an operation
replaces it with its own (``Contacts.from_file``). A role with no contact is mailed
no sign-in link, and the pages log that for the operator.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Delivery = Literal["immediate", "daily"]


class Contact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    delivery: Delivery = "immediate"
    """``daily``: the party's mails go out as one digest a day."""


class Contacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contacts: dict[str, Contact]

    @classmethod
    def load(cls) -> Contacts:
        """The packaged placeholders (``domain/data/contacts.json``), read once."""
        return _packaged()

    @classmethod
    def from_file(cls, path: Path) -> Contacts:
        return cls.from_dict(json.loads(path.read_text("utf-8")))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Contacts:
        return cls.model_validate(raw)

    def get(self, party: str) -> Contact | None:
        """The contact of ``party``; an actor label (``nr:MY/aziz``) reads as its role."""
        return self.contacts.get(party_of(party))


def party_of(recipient: str) -> str:
    """``nr:MY/aziz`` -> ``nr:MY``; a bare party label is returned as is."""
    return recipient.partition("/")[0]


@functools.cache
def _packaged() -> Contacts:
    text = resources.files("domain").joinpath("data/contacts.json").read_text("utf-8")
    return Contacts.from_dict(json.loads(text))
