"""Candidature cities (update handlers): an NR proposes a city of its member state, the
Chair's team of the year accepts or declines it.

Each change is decided by the domain's rule in the validator and again, on the
``membership`` stream as it stands, by the activity that records it; the activity
answers with the membership as it then is (its version included), which the cycle
keeps. So an accepted city can be nominated in this cycle at once, and every decision
afterwards records the version it used. Changes run one at a time under one lock.
"""

from __future__ import annotations

from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.membership import (
        LoadMembershipRequest,
        MembershipActivities,
        MembershipChangeRequest,
    )
    from domain.access import Action
    from domain.membership import Membership, decide_city, propose_city
    from workflows import guards
    from workflows.core import CycleCore, refusal
    from workflows.messages import (
        DecideCityUpdate,
        MembershipChanged,
        ProposeCityUpdate,
        UpdateResult,
    )


class MembershipDecisions(CycleCore):
    @workflow.update
    async def propose_city(self, update: ProposeCityUpdate) -> UpdateResult:
        self.accept(update)
        async with self.one_at_a_time(self.members):
            self._check_proposal(update)
            await self._change(update, "propose", capital=update.capital)
        return UpdateResult(recorded=("CityProposed",))

    @propose_city.validator
    def _validate_proposal(self, update: ProposeCityUpdate) -> None:
        self.admit(update, "propose_city", Action.PROPOSE_CITY, member_state=update.member_state)
        self._check_proposal(update)

    def _check_proposal(self, update: ProposeCityUpdate) -> None:
        guards.in_cycle(self.progress, update.member_state)
        guards.decided_by(lambda: propose_city(
            self.state.membership, self.input.reference, year=self.plan.year,
            member_state=update.member_state, city=update.city, capital=update.capital,
        ))  # fmt: skip

    @workflow.update
    async def decide_city(self, update: DecideCityUpdate) -> UpdateResult:
        self.accept(update)
        async with self.one_at_a_time(self.members):
            self._check_decision_on_city(update)
            change: Literal["accept", "decline"] = (
                "accept" if update.decision == "accepted" else "decline"
            )
            await self._change(update, change, reason=update.reason)
        self.publish()
        return UpdateResult(recorded=("CityDecided",))

    @decide_city.validator
    def _validate_city_decision(self, update: DecideCityUpdate) -> None:
        self.admit(update, "decide_city", Action.DECIDE_CITY, member_state=update.member_state)
        self._check_decision_on_city(update)

    def _check_decision_on_city(self, update: DecideCityUpdate) -> None:
        guards.decided_by(lambda: decide_city(
            self.state.membership, year=self.plan.year, member_state=update.member_state,
            city=update.city, decision=update.decision, reason=update.reason,
        ))  # fmt: skip

    @workflow.signal
    async def membership_changed(self, signal: MembershipChanged) -> None:
        """Told that the membership reached a newer version elsewhere (a change made
        through another year's cycle): load it, through an activity, and decide with it
        from then on. An older or equal version changes nothing."""
        if signal.version <= self.state.membership.version:
            return
        async with self.one_at_a_time(self.members, within=None):
            if signal.version <= self.state.membership.version:
                return
            try:
                loaded: Membership = await self.execute(
                    MembershipActivities.load, LoadMembershipRequest()
                )
            except ActivityError:  # the store stayed down: the next change tells again
                workflow.logger.warning("membership not loaded", extra={"version": signal.version})
                return
            if loaded.version > self.state.membership.version:
                self.state.membership = loaded
                self.publish()

    async def _change(
        self,
        update: ProposeCityUpdate | DecideCityUpdate,
        change: Literal["propose", "accept", "decline"],
        *,
        capital: bool = False,
        reason: str = "",
    ) -> None:
        info = workflow.current_update_info()
        assert info is not None
        request = MembershipChangeRequest(
            idempotency_key=f"{workflow.info().workflow_id}/update/{info.id}",
            year=self.plan.year, member_state=update.member_state, city=update.city,
            change=change, capital=capital, reason=reason, actor=update.actor,
            occurred_at=self.now(),
        )  # fmt: skip
        try:
            membership: Membership = await self.execute(MembershipActivities.record_change,
                                                        request)  # fmt: skip
        except ActivityError as error:
            raise refusal(error, f"{change} {update.city} of {update.member_state}") from None
        self.state.membership = membership
