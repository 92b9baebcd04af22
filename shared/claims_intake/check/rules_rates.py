"""Contract rates: plans that pay "the provider's fully executed contract" rates (Kaiser, Kern) price each
line at the rate on file for the billing provider, combination and date (reference contract_rates.csv).

With no rate on file the line is not priced at whatever was billed: the claim goes to staff REVIEW
(the plan profile's `contract_rates.missing`), because the amount owed is unknown, not the provider's fault.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..catalog import TELEHEALTH
from ..reference.model import ContractRate
from .context import CENTS, CheckContext, Issue, LineContext, money
from .doubt import rests_on
from .registry import line_rule
from .result import Category, Severity


def _pays_contract_rates(plan_id: str) -> bool:
    from ..catalog import plan_profile

    return bool(plan_profile(plan_id).data.get("contract_rates", {}).get("required"))


@line_rule(
    applies=lambda plan, combination, unit: (
        _pays_contract_rates(plan) and combination.reimbursable and not combination.amount_reported
    )
)
def contract_rate_on_file(ctx: CheckContext, lc: LineContext):
    config = ctx.profile.data.get("contract_rates") or {}
    npi = ctx.claim.billing_provider_npi
    combination, day = lc.combination, lc.start
    if not config.get("required") or combination is None or combination.amount_reported or day is None or not npi:
        return None
    provider = ctx.provider()
    if provider is None or ctx.plan_id not in provider.plans:
        return None  # not on the roster or not contracted with the plan: provider_on_roster denies
    if lc.denied() or any(f.severity is Severity.DENY for f in ctx.findings):
        return None  # a line that pays nothing needs no price (rules registered after the coverage rules)
    rate = find_contract_rate(ctx.reference.contract_rates(npi), ctx.plan_id, lc, day)
    if rate is not None:
        lc.contract_rate = rate.rate
        return None
    billed = f" (billed {money(lc.line.charge_amount)})" if lc.line.charge_amount is not None else ""
    return Issue(
        Category.AMOUNT,
        Severity(config.get("missing", "review")),
        f"Line {lc.number}: no {ctx.profile.short_name} contract rate is on file for NPI {npi} and "
        f"{lc.billed} on {day:%m/%d/%Y}{billed}: staff load the provider's contract rate "
        "before the line is priced.",
        ctx.profile.rates_cite,
        "charge_amount",
        rests_on=rests_on(
            "billing_provider_npi", "procedure_code", "procedure_modifiers", "service_start_date", line=lc.number
        ),
    )


def find_contract_rate(rates: list[ContractRate], plan_id: str, lc: LineContext, day: date) -> ContractRate | None:
    """The rate for the combination as billed, else as the catalog keys it, else (telehealth) without GQ."""
    if not rates:
        return None
    billed = lc.billed
    wanted = [billed, lc.key] if lc.key and lc.key != billed else [billed]
    if billed.endswith("-" + TELEHEALTH):
        wanted.append(billed[: -len(TELEHEALTH) - 1])
    for combination in wanted:
        for rate in rates:
            if rate.plan == plan_id and rate.combination == combination and rate.covers(day):
                return rate
    return None


def _minimum_charges(plan_id: str) -> dict:
    from ..catalog import plan_profile

    return plan_profile(plan_id).data.get("minimum_charge") or {}


@line_rule(applies=lambda plan, combination, unit: combination.key in _minimum_charges(plan))
def charge_at_least_minimum(ctx: CheckContext, lc: LineContext):
    """A plan that requires a charge even for a non-reimbursed service (Partnership G9007: $0.01 per unit)."""
    config = _minimum_charges(ctx.plan_id).get(lc.key or "")
    charge = lc.line.charge_amount
    if config is None or charge is None or lc.combination is None:
        return None
    minimum = (Decimal(config["per_unit"]) * lc.units).quantize(CENTS)
    if charge >= minimum:
        return None
    per_unit = money(Decimal(config["per_unit"]))
    return Issue(
        Category.AMOUNT,
        Severity(config.get("severity", "deny")),
        f"Line {lc.number}: {lc.combination.key} is billed at {money(charge)}; {ctx.profile.short_name} "
        f"requires a charge of {per_unit} per unit ({money(minimum)} for {lc.units} units) even though the "
        "service is not reimbursed: rebill with the charge.",
        config["cite"],
        "charge_amount",
        rests_on=rests_on("charge_amount", "unit_count", "procedure_code", line=lc.number),
    )
