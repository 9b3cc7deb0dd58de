"""The packaged contacts name an address for every role a person can hold, so that on
the shipped defaults everyone can be mailed a sign-in link."""

from __future__ import annotations

from domain.contacts import Contacts
from domain.plans import city_id
from domain.reference import ReferenceData
from domain.users import check_role


def roles_the_reference_data_allows() -> list[str]:
    reference = ReferenceData.load()
    codes = [state.code for state in reference.member_states]
    scoped = [f"{kind}:{code}" for kind in ("nr", "shepherd", "chair_team") for code in codes]
    cscos = [f"csco:{city_id(city)}" for city in reference.cities]
    return ["admin", "asec", *scoped, *cscos]


def test_every_role_a_person_can_hold_has_a_packaged_contact() -> None:
    roles = roles_the_reference_data_allows()
    contacts = Contacts.load()

    assert [check_role(role) for role in roles] == roles  # each is a role people hold
    assert len(roles) == 2 + 3 * 11 + 27
    missing = [role for role in roles if contacts.get(role) is None]
    assert missing == []
    # A user's actor label reads as its role.
    assert contacts.get("chair_team:SG/lee") == contacts.get("chair_team:SG")


def test_each_packaged_contact_has_an_address_of_its_own_role() -> None:
    contacts = Contacts.load()
    for role in roles_the_reference_data_allows():
        contact = contacts.get(role)
        assert contact is not None
        if role.startswith(("chair_team:", "csco:")):
            slug = role.partition(":")[2].lower()
            assert contact.email.endswith(f".{slug}@ascn.example"), (role, contact.email)
