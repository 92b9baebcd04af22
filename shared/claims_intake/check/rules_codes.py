"""Code-set checks: ICD-10-CM billable codes on the date of service, CMS place-of-service codes, and the
rendering provider's licence type against the clinical / non-clinical ECM codes (DHCS footnotes 4-6).

The code sets are data (claims_intake.codesets); the rules only compare.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache

from ..codesets import CodeVerdict, icd10cm, place_of_service_data, places_of_service
from .context import CheckContext, Issue, LineContext, settings
from .doubt import rests_on
from .registry import line_rule
from .result import Category, Severity
from .rules_elements import format_problem

ICD10CM_CITE = (
    "CMS/CDC ICD-10-CM code set in force on the date of service (fiscal year from October 1), billable "
    "codes only; 000 Unclean Claims: claims with invalid information are rejected upfront"
)


def _or_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


@line_rule(needs_combination=False)
def diagnosis_codes_billable(ctx: CheckContext, lc: LineContext):
    """Each diagnosis code must be a billable code of the ICD-10-CM release in force on the date of service."""
    codes, day = lc.line.diagnosis_codes, lc.start
    if not codes or day is None:
        return None
    problems = _not_billable(tuple(codes), day)
    return [_diagnosis_issue(lc, verdict, day) for verdict in problems] if problems else None


@lru_cache(maxsize=65536)  # the same few codes on the same days, claim after claim
def _not_billable(codes: tuple[str, ...], day: date) -> tuple[CodeVerdict, ...]:
    code_set = icd10cm()
    verdicts = (code_set.verdict(code, day) for code in codes if not format_problem("icd10", code))
    return tuple(v for v in verdicts if v.status != "billable")  # malformed codes: reported by line_value_formats


def _diagnosis_issue(lc: LineContext, verdict, day) -> Issue:
    when = f"on {day:%m/%d/%Y} ({verdict.release} code set)"
    if verdict.status == "category":
        choice = (
            _or_list(verdict.children)
            if verdict.children_billable
            else f"a complete code under {_or_list(verdict.children)}"
        )
        message = (
            f"Line {lc.number}: {verdict.code} is a category, not a billable ICD-10-CM code {when}: bill {choice}."
        )
        return Issue(
            Category.DIAGNOSIS,
            Severity.REJECT,
            message,
            ICD10CM_CITE,
            "diagnosis_codes",
            rests_on=_diagnosis_values(lc),
        )
    if verdict.status == "unknown":
        return Issue(
            Category.DIAGNOSIS,
            Severity.REJECT,
            f"Line {lc.number}: {verdict.code} is not an ICD-10-CM code {when}: correct the diagnosis code.",
            ICD10CM_CITE,
            "diagnosis_codes",
            rests_on=_diagnosis_values(lc),
        )
    # the code set of that fiscal year is not on file and the releases around it disagree: staff decide
    return Issue(
        Category.DIAGNOSIS,
        Severity.REVIEW,
        f"Line {lc.number}: whether {verdict.code} was billable on {day:%m/%d/%Y} cannot be decided from the "
        f"code sets on file ({verdict.note}); staff check the ICD-10-CM release of that fiscal year.",
        ICD10CM_CITE,
        "diagnosis_codes",
        rests_on=_diagnosis_values(lc),
    )


def _diagnosis_values(lc: LineContext):
    """The code read, and the date that chose the code set."""
    return rests_on("diagnosis_codes", "service_start_date", line=lc.number)


@line_rule(needs_combination=False)
def place_of_service_in_code_set(ctx: CheckContext, lc: LineContext):
    """The place of service must be a CMS code in force on the date of service ('90' is unassigned)."""
    code = lc.line.place_of_service
    if not code:
        return None
    problem = _place_of_service_problem(code, lc.start)
    if problem is None:
        return None
    return Issue(
        Category.INVALID_VALUE,
        Severity.REJECT,
        f"Line {lc.number}: {problem}",
        place_of_service_data()["cite"],
        "place_of_service",
        rests_on=rests_on("place_of_service", "service_start_date", line=lc.number),
    )


@lru_cache(maxsize=4096)
def _place_of_service_problem(code: str, day: date | None) -> str | None:
    if format_problem("pos", code):
        return None  # malformed: reported by the element rules
    entry = places_of_service().get(code)
    if entry is None:
        return (
            f"Place of Service '{code}' is not assigned in the CMS place-of-service code set: use the code of the "
            "place the service was given (e.g. 12 Home, 04 Homeless Shelter, 27 Outreach Site/Street)."
        )
    if day is not None and entry.effective is not None and day < entry.effective:
        return (
            f"Place of Service {code} ({entry.name}) is in force from {entry.effective:%m/%d/%Y}, after the "
            f"service date {day:%m/%d/%Y}."
        )
    if day is not None and entry.ended is not None and day > entry.ended:
        return f"Place of Service {code} ({entry.name}) was retired on {entry.ended:%m/%d/%Y}."
    return None


@cache
def _licence_codes() -> dict[str, tuple[str, str]]:
    """Billed combination -> (licence type it requires, the combination for the other licence type)."""
    config = settings()["rendering_licence"]
    mapping: dict[str, tuple[str, str]] = {}
    for clinical, non_clinical in config["pairs"].items():
        mapping[clinical] = ("clinical", non_clinical)
        mapping[non_clinical] = ("non_clinical", clinical)
    return mapping


@line_rule(applies=lambda plan, combination, unit: combination.key in _licence_codes())
def rendering_licence_matches_code(ctx: CheckContext, lc: LineContext):
    """G9008 is for licensed clinical staff, G9012 for non-clinical staff (DHCS coding guidance footnotes 4-6)."""
    npi = lc.line.rendering_provider_npi
    wanted = _licence_codes().get(lc.key or "")
    if not npi or wanted is None:
        return None
    provider = ctx.reference.provider(npi)
    if provider is None or not provider.licence_type or provider.licence_type == wanted[0]:
        return None  # unknown licence type: nothing to hold against the provider
    billed, instead = lc.billed, wanted[1]
    if lc.line.procedure_modifiers[-1:] == ["GQ"] and not instead.endswith("-GQ"):
        instead += "-GQ"
    kind = "licensed clinical" if wanted[0] == "clinical" else "non-clinical"
    actual = "non-clinical" if provider.licence_type == "non_clinical" else "licensed clinical"
    return Issue(
        Category.PROVIDER,
        Severity.DENY,
        f"Line {lc.number}: {billed} is for {kind} staff, but rendering provider {provider.name} (NPI {npi}) "
        f"is {actual} on the roster: rebill as {instead}, or update the roster if the licence changed.",
        settings()["rendering_licence"]["cite"],
        "procedure_code",
        rests_on=rests_on("rendering_provider_npi", "procedure_code", "procedure_modifiers", line=lc.number),
    )
