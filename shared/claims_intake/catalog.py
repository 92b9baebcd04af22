"""The DHCS ECM/CS code catalog (seed 003) and the plan profiles (seeds 000, 001, 004), as data.

Both live in `data/` as YAML with a citation on every entry; this module only loads and indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

TELEHEALTH = "GQ"


@dataclass(frozen=True)
class Combination:
    code: str
    modifiers: tuple[str, ...]
    program: str  # ECM or CS
    category: str
    service: str
    unit: str
    reimbursable: bool
    telehealth_gq: bool
    cite: str
    service_group: str | None = None
    amount_reported: bool = False

    @cached_property  # read for every line checked; the combination never changes
    def key(self) -> str:
        return combination_key(self.code, self.modifiers)


def combination_key(code: str, modifiers) -> str:
    return "-".join([code, *modifiers])


def _load_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files("claims_intake").joinpath(f"data/{name}").read_text("utf-8"))


def _combination(entry: dict[str, Any]) -> Combination:
    return Combination(**{**entry, "modifiers": tuple(entry["modifiers"])})


@dataclass(frozen=True)
class Catalog:
    version: str
    source: str
    combinations: tuple[Combination, ...]
    by_key: dict[str, Combination] = field(repr=False)

    def lookup(self, code: str | None, modifiers) -> tuple[Combination | None, bool]:
        """The combination billed, and whether it was billed as telehealth.

        ECM and T1016 list their GQ variants; CS services take GQ as an additional, last
        modifier (seed 003, Community Supports: "the modifier GQ must be used").
        """
        modifiers = tuple(modifiers)
        found = self.by_key.get(combination_key(code or "", modifiers))
        if found:
            return found, TELEHEALTH in modifiers
        if modifiers and modifiers[-1] == TELEHEALTH:
            base = self.by_key.get(combination_key(code or "", modifiers[:-1]))
            if base and base.telehealth_gq:
                return base, True
        return None, False

    def codes(self) -> set[str]:
        return {c.code for c in self.combinations}


@cache
def dhcs_catalog() -> Catalog:
    data = _load_yaml("dhcs_catalog.yaml")
    combos = tuple(_combination(entry) for entry in data["combinations"])
    return Catalog(data["version"], data["source"], combos, {c.key: c for c in combos})


@dataclass(frozen=True)
class PlanProfile:
    plan_id: str
    data: dict[str, Any] = field(repr=False)

    def __post_init__(self) -> None:
        # The plan's settings as plain attributes: the check reads them for every line, and a miss that
        # falls through to __getattr__ costs an AttributeError each time. Names the class defines win, as before.
        for name, value in self.data.items():
            if isinstance(name, str) and not hasattr(type(self), name):
                self.__dict__[name] = value

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @cached_property  # plan data does not change once loaded
    def extra_combinations(self) -> tuple[Combination, ...]:
        return tuple(_combination(e) for e in self.data.get("extra_combinations", []))

    def lookup(self, code: str | None, modifiers) -> tuple[Combination | None, bool]:
        """DHCS catalog first, then the plan's own (non-DHCS) combinations."""
        found, telehealth = dhcs_catalog().lookup(code, modifiers)
        if found:
            return found, telehealth
        key = combination_key(code or "", tuple(modifiers))
        extra = {c.key: c for c in self.extra_combinations}
        return extra.get(key), False

    def accepts(self, key: str) -> bool:
        accepted = self.data["accepted"]
        return key in dhcs_catalog().by_key if accepted == "dhcs" else key in accepted

    def rate(self, key: str) -> Decimal | None:
        value = self.data.get("rates", {}).get(key)
        return Decimal(value) if value is not None else None

    def limits_for(self, rule: str) -> list[dict[str, Any]]:
        return [limit for limit in self.all_limits() if limit["rule"] == rule]

    def all_limits(self) -> list[dict[str, Any]]:
        return [*self.data.get("limits", []), *plans_data()["dhcs_limits"]]

    def accepts_invoice_for(self, key: str) -> bool:
        allowed = self.data.get("invoices_accepted_for", "all")
        return allowed == "all" or key in allowed

    def requires_authorization(self, combination: Combination) -> bool:
        required = self.data.get("requires_authorization", [])
        if required == "dhcs_cs":
            return combination.program == "CS" and combination.reimbursable
        return combination.key in required

    @cached_property
    def _payer_ids(self) -> frozenset[str]:
        return frozenset(i.upper() for i in (self.data["payer_id"], *self.data.get("other_payer_ids", [])))

    def matches_payer(self, payer_id: str | None, payer_name: str | None) -> bool:
        if payer_id and payer_id.strip().upper() in self._payer_ids:
            return True
        name = (payer_name or "").strip().lower()
        return any(alias in name for alias in self.data.get("payer_names", [])) if name else False


@cache
def plans_data() -> dict[str, Any]:
    return _load_yaml("plans.yaml")


@cache
def plan_profile(plan_id: str) -> PlanProfile:
    plans = plans_data()["plans"]
    if plan_id not in plans:
        raise KeyError(f"unknown plan '{plan_id}': choose one of {', '.join(sorted(plans))}")
    return PlanProfile(plan_id, plans[plan_id])


def plan_ids() -> list[str]:
    return list(plans_data()["plans"])
