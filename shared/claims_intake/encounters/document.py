"""Encounters of many claims -> one 837P interchange: one functional group per plan, grouped by billing
provider and member, control numbers from a counter that never gives the same number twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..catalog import plan_profile
from . import x12
from .build import EncounterClaim, settings
from .control import ControlNumbers


@dataclass(frozen=True)
class EncounterFile:
    """The written interchange and what it carries."""

    control_number: int  # ISA13 (the file's name)
    group_control_numbers: dict[str, int]  # plan -> GS06
    text: str
    claim_ids: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.control_number:09d}.837"


def write_encounters(
    encounters: Iterable[EncounterClaim], counter: ControlNumbers, *, created: datetime, usage: str | None = None
) -> EncounterFile:
    """One interchange for the encounters given (at least one), every plan in its own group."""
    by_plan: dict[str, list[EncounterClaim]] = {}
    for encounter in encounters:
        by_plan.setdefault(encounter.plan, []).append(encounter)
    if not by_plan:
        raise ValueError("no encounter to write")
    numbers = counter.take(1 + len(by_plan))
    config = settings()["interchange"]
    interchange = x12.Interchange(
        sender_qualifier=config["sender_qualifier"],
        sender_id=config["sender_id"],
        receiver_qualifier=config["receiver_qualifier"],
        receiver_id=config["receiver_id"],
        control_number=numbers[0],
        created=created,
        usage=usage or config["usage"],
    )
    groups, group_numbers = [], {}
    for number, (plan, claims) in zip(numbers[1:], sorted(by_plan.items()), strict=True):
        groups.append(_group(plan, claims, number, config["receiver_code"]))
        group_numbers[plan] = number
    claim_ids = tuple(encounter.claim_id for plan in sorted(by_plan) for encounter in by_plan[plan])
    return EncounterFile(numbers[0], group_numbers, x12.write_interchange(interchange, groups), claim_ids)


def _group(plan: str, claims: list[EncounterClaim], control_number: int, receiver_code: str) -> x12.FunctionalGroup:
    profile = plan_profile(plan)
    setting = profile.data.get("encounters", {})
    contact = settings()["default_contact"]
    submitter = x12.Submitter(
        name=profile.name,
        identifier=setting.get("submitter_id", profile.payer_id),
        contact=setting.get("contact", contact["name"]),
        phone=setting.get("contact_phone", ""),
        email=setting.get("contact_email", "" if setting.get("contact_phone") else contact["email"]),
    )
    receiver = x12.Receiver(settings()["receiver"]["name"], settings()["receiver"]["id"])
    payer = x12.Payer(settings()["payer"]["name"], settings()["payer"]["id"])
    billing: dict[x12.BillingProvider, dict[x12.Subscriber, x12.SubscriberGroup]] = {}
    for encounter in claims:
        members = billing.setdefault(encounter.provider, {})
        group = members.setdefault(encounter.subscriber, x12.SubscriberGroup(encounter.subscriber, payer))
        group.claims.append(encounter.claim)
    return x12.FunctionalGroup(
        sender_code=submitter.identifier,
        receiver_code=receiver_code,
        control_number=control_number,
        submitter=submitter,
        receiver=receiver,
        reference=f"{plan.upper()}{control_number:09d}",
        billing=[x12.BillingGroup(provider, list(members.values())) for provider, members in billing.items()],
    )
