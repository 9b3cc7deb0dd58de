"""Membership changes: candidature cities proposed by an NR and accepted or declined by
the Chair's team. One stream (``membership``); its version is the reference data's
version: the packaged data is version 0, and each change adds one."""

from __future__ import annotations

from typing import Literal

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.values import MemberStateCode, NonEmptyStr, Year


@REGISTRY.register
class CityProposed(DomainEvent):
    """An NR proposed a candidature city of its member state."""

    year: Year
    member_state: MemberStateCode
    city: NonEmptyStr
    capital: bool


@REGISTRY.register
class CityDecided(DomainEvent):
    """The Chair's team of ``year`` accepted a candidature city (a member city from
    ``year`` on) or declined it."""

    year: Year
    member_state: MemberStateCode
    city: NonEmptyStr
    decision: Literal["accepted", "declined"]
    reason: str = ""
