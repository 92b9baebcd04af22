"""Element checks (seed 000 Tables 1-4, seed 003): presence, formats, dates, codes, amounts, units.

A claim whose required elements are missing or invalid is rejected upfront with a letter
(000 Unclean Claims); coverage problems of one line deny that line.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache

from rapidfuzz import fuzz, utils

from ..catalog import TELEHEALTH, dhcs_catalog, plan_profile
from ..elements import KIND, PHI_ELEMENTS, element, required_keys
from ..model import Claim, ServiceLine
from ..normalize import normalize
from ..validators import format_problem as _format_problem
from .context import CENTS, CheckContext, Issue, LineContext, money, plan_facts, settings
from .doubt import every_line, rests_on
from .registry import claim_rule, line_rule
from .result import Category, Severity

UNCLEAN = "000 Unclean Claims: claims missing required fields or with invalid information are rejected upfront"
TABLES = {
    "1 Provider": "000 Table 1: Provider Information",
    "2 Member": "000 Table 2: Member Information",
    "3 Service": "000 Table 3: Service and Billing Information",
    "4 Administrative": "000 Table 4: Administrative Information",
}
# Checked by their own rules (RFI, derived or warned), not rejected as missing.
SOFT_REQUIRED = {"member_homeless_indicator", "service_name", "procedure_modifiers"}
FORMAT_KINDS = {"npi", "tin", "cin", "zip", "phone", "pos", "hcpcs", "state"}


@cache
def required(level: str) -> tuple[str, ...]:
    return tuple(required_keys(level))


@cache
def hard_required(level: str) -> tuple[str, ...]:
    """Required elements whose absence rejects the claim (the others have their own rules)."""
    return tuple(key for key in required_keys(level) if key not in SOFT_REQUIRED)


@lru_cache(maxsize=65536)  # NPIs, TINs, ZIPs and codes repeat from claim to claim
def format_problem(kind: str, value: str) -> str | None:
    return _format_problem(kind, value)


# Emptiness is tested by type, not `value in (None, "", [])`: comparing a Decimal with a str goes
# through the numbers ABCs, and this runs for every element of every claim.
_EMPTIABLE = (str, list)


def label(key: str) -> str:
    return element(key).label


def table_cite(key: str) -> str:
    return f"{TABLES[element(key).table]} ({label(key)} required)"


def _value_text(key: str, value) -> str:
    return "the value" if key in PHI_ELEMENTS else f"'{value}'"


@claim_rule
def required_claim_elements(ctx: CheckContext):
    values, invalid = ctx.claim.__dict__, ctx.claim.invalid
    keys = hard_required("claim")
    if ctx.claim.lines and all(map(values.__getitem__, keys)):
        return None  # the usual claim: every value truthy, so none is None or empty (one pass in C)
    issues: list[Issue] = []
    for key in keys:
        value = values[key]
        if (value is None or (value.__class__ in _EMPTIABLE and not value)) and key not in invalid:
            issues.append(
                Issue(
                    Category.MISSING_ELEMENT,
                    Severity.REJECT,
                    f"{label(key)} is missing: fill it in and resubmit.",
                    table_cite(key),
                    key,
                )
            )
    if not ctx.claim.lines:
        issues.append(
            Issue(
                Category.MISSING_ELEMENT,
                Severity.REJECT,
                "The claim has no service lines: list each service billed.",
                TABLES["3 Service"],
                "procedure_code",
            )
        )
    return issues or None


@claim_rule
def invalid_claim_values(ctx: CheckContext):
    issues: list[Issue] = []
    for key, raw in ctx.claim.invalid.items():
        if key == "member_homeless_indicator" or key not in KIND:
            continue
        issues.append(
            Issue(Category.INVALID_VALUE, Severity.REJECT, f"{label(key)}: {_why_invalid(key, raw)}", UNCLEAN, key)
        )
    return issues or None


def _why_invalid(key: str, raw: str) -> str:
    try:
        normalize(key, raw)
    except ValueError as problem:
        return str(problem) if key not in PHI_ELEMENTS else "the value could not be read; write it as the form asks"
    return "the value could not be read"


@claim_rule
def claim_value_formats(ctx: CheckContext):
    issues: list[Issue] = []
    claim = ctx.claim
    for key in (
        "billing_provider_npi",
        "billing_provider_tin",
        "billing_provider_phone",
        "billing_provider_state",
        "billing_provider_zip",
        "member_cin",
        "member_zip",
    ):
        value = getattr(claim, key)
        if value and KIND[key] in FORMAT_KINDS:
            problem = format_problem(KIND[key], value)
            if problem:
                issues.append(
                    Issue(
                        Category.INVALID_VALUE,
                        Severity.REJECT,
                        f"{label(key)} {_value_text(key, value)} {problem}.",
                        UNCLEAN,
                        key,
                    )
                )
    return issues or None


@claim_rule
def claim_dates(ctx: CheckContext):
    issues: list[Issue] = []
    claim = ctx.claim
    if claim.member_dob and claim.member_dob > ctx.received:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                "Member Date of Birth is in the future: correct it.",
                table_cite("member_dob"),
                "member_dob",
            )
        )  # rests on the date of birth alone
    if claim.invoice_date and claim.invoice_date > ctx.received:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                f"Invoice Date {claim.invoice_date:%m/%d/%Y} is after the date the claim was received: correct it.",
                table_cite("invoice_date"),
                "invoice_date",
            )
        )
    return issues or None


@claim_rule
def invoice_amount_is_sum_of_lines(ctx: CheckContext):
    claim = ctx.claim
    charges = [line.charge_amount for line in claim.lines if line.charge_amount is not None]
    if claim.invoice_amount is None or not charges or len(charges) < len(claim.lines):
        return None
    total = sum(charges, Decimal("0.00"))
    if total != claim.invoice_amount:
        return Issue(
            Category.AMOUNT,
            Severity.REJECT,
            f"Invoice Amount {money(claim.invoice_amount)} is not the sum of the line charges ({money(total)}): "
            "correct the total or the lines.",
            "000 Table 3: Invoice Amount (the total of the Service Charge Amounts)",
            "invoice_amount",
            rests_on=(("invoice_amount", None), *every_line(claim, "charge_amount")),
        )


@claim_rule
def low_ocr_confidence(ctx: CheckContext):
    """Values read by OCR below the threshold are verified by staff before deciding (REVIEW); once staff
    verified one (Provenance.verified), or the plan's records agree with it (check.records), it is sure."""
    threshold = settings()["ocr_confidence_threshold"]
    cite = settings()["ocr_confidence_cite"]
    issues = [
        _low_confidence(item, key, cite, line)
        for item, key, line in _unsettled_readings(ctx)
        if item.provenance[key].confidence < threshold
    ]
    return issues or None


@claim_rule
def unconfirmed_ocr_repair(ctx: CheckContext):
    """A required value the reader changed from what it saw (a code snapped to the catalog, a digit read by the
    second reader), or kept while another reader read it otherwise, with no independent check confirming it is
    the intake's guess, not the provider's writing: staff verify it (REVIEW), however sure the reading is; below
    the threshold low_ocr_confidence already asks."""
    threshold = settings()["ocr_confidence_threshold"]
    cite = settings()["ocr_confidence_cite"]
    issues = [
        _unconfirmed_repair(item, key, cite, line)
        for item, key, line in _unsettled_readings(ctx)
        if item.provenance[key].confidence >= threshold and item.provenance[key].unconfirmed_repair
    ]
    return issues or None


def _unsettled_readings(ctx: CheckContext):
    """(item, element, line number) of each required OCR value staff have not verified and the plan's records
    do not confirm."""
    confirmed = ctx.records().confirmed
    claim_required, line_required = required("claim"), required("line")
    items: list[tuple[Claim | ServiceLine, tuple[str, ...], int | None]] = [(ctx.claim, claim_required, None)]
    items += [(line, line_required, line.line_number or n) for n, line in enumerate(ctx.claim.lines, start=1)]
    for item, keys, line_number in items:
        for key, source in item.provenance.items():
            scanned_unverified = source.confidence is not None and not source.verified
            if scanned_unverified and key in keys and (key, line_number) not in confirmed:
                yield item, key, line_number


def _unconfirmed_repair(item, key, cite, line_number):
    why = " was repaired by the reader, or its readers disagree, and no other box confirms it"
    return _staff_verify(item, key, cite, line_number, why)


def _low_confidence(item, key, cite, line_number):
    source = item.provenance[key]
    seen = "" if key in PHI_ELEMENTS or not source.raw else f" read as '{source.raw}'"
    return _staff_verify(item, key, cite, line_number, f"{seen} with OCR confidence {source.confidence:.2f}")


def _staff_verify(item, key, cite, line_number, why: str) -> Issue:
    """REVIEW: staff verify the scanned value (where it was read, and `why`) before the claim is decided."""
    source = item.provenance[key]
    where = f" (page {source.page}, box {source.box})" if source.box else ""
    prefix = f"Line {line_number}: " if line_number else ""
    return Issue(
        Category.INVALID_VALUE,
        Severity.REVIEW,
        f"{prefix}{label(key)}{where}{why}: staff must verify it against the scan before the claim is decided.",
        cite,
        key,
        line=line_number,
    )


@claim_rule
def homeless_indicator(ctx: CheckContext):
    """Required (000 Table 2); no CMS-1500 box carries it, so derive it or ask for it (RFI)."""
    claim = ctx.claim
    if claim.member_homeless_indicator is not None:
        return
    config = settings()
    prefixes = tuple(config["homeless_diagnosis_prefixes"])
    if any(code.startswith(prefixes) for line in claim.lines for code in line.diagnosis_codes):
        return Issue(
            Category.MISSING_ELEMENT,
            Severity.WARNING,
            "Member Homeless Indicator not given: derived as 'yes' from a Z59.0x homelessness diagnosis.",
            config["homeless_cite"],
            "member_homeless_indicator",
        )
    address = (claim.member_address or "").lower()
    if any(word in address for word in config["homeless_address_words"]):
        return Issue(
            Category.MISSING_ELEMENT,
            Severity.WARNING,
            "Member Homeless Indicator not given: derived as 'yes' from the member's address.",
            config["homeless_cite"],
            "member_homeless_indicator",
        )
    written = (
        f" ('{claim.invalid['member_homeless_indicator']}' is not yes or no)"
        if "member_homeless_indicator" in claim.invalid
        else ""
    )
    return Issue(
        Category.MISSING_ELEMENT,
        Severity.RFI,
        f"Member Homeless Indicator could not be determined{written}: tell us whether the member is homeless (yes/no).",
        config["homeless_cite"],
        "member_homeless_indicator",
        rests_on=(*rests_on("member_homeless_indicator", "member_address"), *every_line(claim, "diagnosis_codes")),
    )


# ---- line elements -------------------------------------------------------------------------------


@line_rule(needs_combination=False)
def required_line_elements(ctx: CheckContext, lc: LineContext):
    line = lc.line
    values, invalid = line.__dict__, line.invalid
    keys = hard_required("line")
    if line.service_name and all(map(values.__getitem__, keys)):
        return None  # the usual line: every value truthy, so none is None or empty (one pass in C)
    issues: list[Issue] = []
    for key in keys:
        value = values[key]
        if (value is None or (value.__class__ in _EMPTIABLE and not value)) and key not in invalid:
            if key == "service_end_date" and line.service_start_date:
                continue  # a one-day service: the end date is the start date
            issues.append(
                Issue(
                    Category.MISSING_ELEMENT,
                    Severity.REJECT,
                    f"Line {lc.number}: {label(key)} is missing.",
                    table_cite(key),
                    key,
                )
            )
    if not line.service_name and lc.combination:
        issues.append(
            Issue(
                Category.MISSING_ELEMENT,
                Severity.WARNING,
                f"Line {lc.number}: Service Name missing; taken from the code: {lc.combination.service}.",
                table_cite("service_name"),
                "service_name",
            )
        )
    return issues or None


@line_rule(needs_combination=False)
def invalid_line_values(ctx: CheckContext, lc: LineContext):
    issues: list[Issue] = []
    for key, raw in lc.line.invalid.items():
        if key in KIND:
            issues.append(
                Issue(
                    Category.INVALID_VALUE,
                    Severity.REJECT,
                    f"Line {lc.number}: {label(key)}: {_why_invalid(key, raw)}",
                    UNCLEAN,
                    key,
                )
            )
    return issues or None


@line_rule(needs_combination=False)
def line_value_formats(ctx: CheckContext, lc: LineContext):
    line = lc.line
    if not _line_formats_wrong(
        line.procedure_code, line.place_of_service, line.rendering_provider_npi, tuple(line.diagnosis_codes)
    ):
        return None
    issues: list[Issue] = []
    for key in ("procedure_code", "place_of_service", "rendering_provider_npi"):
        value = getattr(line, key)
        problem = value and format_problem(KIND[key], value)
        if problem:
            issues.append(
                Issue(
                    Category.INVALID_VALUE,
                    Severity.REJECT,
                    f"Line {lc.number}: {label(key)} '{value}' {problem}.",
                    UNCLEAN,
                    key,
                )
            )
    bad = [code for code in line.diagnosis_codes if format_problem("icd10", code)]
    if bad:
        issues.append(
            Issue(
                Category.DIAGNOSIS,
                Severity.REJECT,
                f"Line {lc.number}: diagnosis code(s) {', '.join(bad)} are not ICD-10-CM codes.",
                UNCLEAN,
                "diagnosis_codes",
            )
        )
    return issues or None


@lru_cache(maxsize=65536)  # the same codes, places and NPIs, line after line
def _line_formats_wrong(code: str | None, place: str | None, npi: str | None, diagnoses: tuple[str, ...]) -> bool:
    """Whether any of the line's coded values is malformed (line_value_formats then says which)."""
    return bool(
        (code and format_problem(KIND["procedure_code"], code))
        or (place and format_problem(KIND["place_of_service"], place))
        or (npi and format_problem(KIND["rendering_provider_npi"], npi))
        or any(format_problem("icd10", diagnosis) for diagnosis in diagnoses)
    )


@line_rule(needs_combination=False)
def service_dates(ctx: CheckContext, lc: LineContext):
    start, end, claim = lc.line.service_start_date, lc.line.service_end_date, ctx.claim
    if start is None:
        return None
    if not (
        (end and end < start)
        or (end or start) > ctx.received
        or (claim.member_dob and start < claim.member_dob)
        or (claim.invoice_date and claim.invoice_date < start)
    ):
        return None  # the usual case: nothing to build
    issues: list[Issue] = []
    cite = table_cite("service_start_date")
    dates = rests_on("service_start_date", "service_end_date", line=lc.number)
    if end and end < start:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                f"Line {lc.number}: Service End Date {end:%m/%d/%Y} is before the Service Start Date {start:%m/%d/%Y}.",
                cite,
                "service_end_date",
                rests_on=dates,
            )
        )
    if (end or start) > ctx.received:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                f"Line {lc.number}: service dates after the date the claim was received cannot be billed yet.",
                cite,
                "service_end_date",
                rests_on=dates,
            )
        )
    if claim.member_dob and start < claim.member_dob:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                f"Line {lc.number}: the service date is before the Member Date of Birth: correct one of them.",
                cite,
                "member_dob",
                rests_on=rests_on("member_dob", "service_start_date", line=lc.number),
            )
        )
    if claim.invoice_date and claim.invoice_date < start:
        issues.append(
            Issue(
                Category.INVALID_VALUE,
                Severity.REJECT,
                f"Line {lc.number}: the Invoice Date {claim.invoice_date:%m/%d/%Y} is before the service "
                f"({start:%m/%d/%Y}): bill services after they are provided.",
                table_cite("invoice_date"),
                "invoice_date",
                rests_on=rests_on("invoice_date", "service_start_date", line=lc.number),
            )
        )
    return issues or None


@line_rule(needs_combination=False)
def modifiers_and_telehealth(ctx: CheckContext, lc: LineContext):
    """GQ only as the additional, last modifier (000 Coding Options; 003 footnotes 3 and 7)."""
    modifiers = lc.line.procedure_modifiers
    cite = "000 ECM/CS Coding Options: GQ must be noted as a secondary modifier; 003: the additional modifier GQ"
    if not modifiers or not lc.line.procedure_code:
        return
    if len(set(modifiers)) != len(modifiers):
        return Issue(
            Category.MODIFIER,
            Severity.REJECT,
            f"Line {lc.number}: modifier repeated ({'-'.join(modifiers)}): list each modifier once.",
            cite,
            "procedure_modifiers",
            rests_on=rests_on("procedure_modifiers", line=lc.number),
        )
    elif (TELEHEALTH in modifiers and modifiers[-1] != TELEHEALTH) or modifiers == [TELEHEALTH]:
        return Issue(
            Category.MODIFIER,
            Severity.REJECT,
            f"Line {lc.number}: GQ (telehealth) must follow the service modifier, e.g. "
            f"{lc.line.procedure_code}-{_first_base_modifier(lc.line.procedure_code)}-GQ.",
            cite,
            "procedure_modifiers",
            rests_on=rests_on("procedure_code", "procedure_modifiers", line=lc.number),
        )
    elif lc.combination is None and modifiers[-1] == TELEHEALTH:
        base, _ = dhcs_catalog().lookup(lc.line.procedure_code, modifiers[:-1])
        if base is not None:
            return Issue(
                Category.MODIFIER,
                Severity.REJECT,
                f"Line {lc.number}: {base.service} ({base.key}) is not provided by telehealth: remove GQ.",
                base.cite,
                "procedure_modifiers",
                rests_on=rests_on("procedure_code", "procedure_modifiers", line=lc.number),
            )


def _first_base_modifier(code: str) -> str:
    options = [c.modifiers[0] for c in dhcs_catalog().combinations if c.code == code and c.modifiers]
    return options[0] if options else "U6"


@line_rule(needs_combination=False, applies=lambda plan, combination, unit: combination is None)
def combination_in_catalog(ctx: CheckContext, lc: LineContext):
    """Only the DHCS code + modifier combinations define an ECM/CS service (003 Overview (2))."""
    line = lc.line
    if lc.combination is not None or not line.procedure_code or "procedure_code" in line.invalid:
        return
    modifiers = line.procedure_modifiers
    if TELEHEALTH in modifiers and (
        modifiers[-1] != TELEHEALTH or len(modifiers) == 1 or len(set(modifiers)) != len(modifiers)
    ):
        return  # the modifier rule explains it
    if modifiers and modifiers[-1] == TELEHEALTH and dhcs_catalog().lookup(line.procedure_code, modifiers[:-1])[0]:
        return  # GQ on a service without telehealth: the modifier rule explains it
    options = sorted(
        c.key for c in [*dhcs_catalog().combinations, *ctx.profile.extra_combinations] if c.code == line.procedure_code
    )
    billed = line.combination
    hint = (
        f" Valid combinations for {line.procedure_code}: {', '.join(options)}."
        if options
        else f" {line.procedure_code} is not an ECM or Community Supports code."
    )
    return Issue(
        Category.CATALOG,
        Severity.REJECT,
        f"Line {lc.number}: {billed} is not a DHCS ECM/CS code and modifier combination.{hint}",
        "003 Overview (2): MCPs may not allow codes or modifiers beyond this guidance",
        "procedure_code",
        rests_on=rests_on("procedure_code", "procedure_modifiers", line=lc.number),
    )


@line_rule(applies=lambda plan, combination, unit: combination.key not in plan_facts(plan).accepted)
def combination_in_plan(ctx: CheckContext, lc: LineContext):
    key = lc.key
    if key not in plan_facts(ctx.plan_id).accepted:
        return Issue(
            Category.CATALOG,
            Severity.DENY,
            f"Line {lc.number}: {lc.combo.service} ({key}) is not a service {ctx.profile.short_name} covers.",
            f"{ctx.profile.accepted_cite}",
            "procedure_code",
            rests_on=rests_on("procedure_code", "procedure_modifiers", line=lc.number),
        )


@line_rule(applies=lambda plan, combination, unit: not plan_profile(plan).accepts_invoice_for(combination.key))
def invoice_allowed_for_service(ctx: CheckContext, lc: LineContext):
    """Kern accepts invoices (spreadsheets) only for STPH bed holds (004 IV.B.5)."""
    if ctx.claim.source_kind == "spreadsheet" and not ctx.profile.accepts_invoice_for(lc.key or ""):
        allowed = ", ".join(ctx.profile.invoices_accepted_for)
        return Issue(
            Category.CATALOG,
            Severity.REJECT,
            f"Line {lc.number}: {ctx.profile.short_name} accepts invoices only for {allowed}; submit "
            f"{lc.combo.key} on a CMS-1500 or 837P claim.",
            ctx.profile.invoices_cite,
            "procedure_code",
            rests_on=rests_on("procedure_code", "procedure_modifiers", line=lc.number),
        )


@line_rule(applies=lambda plan, combination, unit: combination.program == "CS")
def community_supports_z_codes(ctx: CheckContext, lc: LineContext):
    codes = lc.line.diagnosis_codes
    if not codes or lc.combo.program != "CS":
        return
    config = settings()
    if not _any_with_prefix(tuple(codes), config["cs_diagnosis_prefix"]):
        return Issue(
            Category.DIAGNOSIS,
            Severity.REJECT,
            f"Line {lc.number}: Community Supports lines need a Z code diagnosis (e.g. Z59.01 sheltered "
            f"homelessness); billed {', '.join(lc.line.diagnosis_codes)}.",
            config["cs_diagnosis_cite"],
            "diagnosis_codes",
            rests_on=rests_on("procedure_code", "procedure_modifiers", "diagnosis_codes", line=lc.number),
        )


@lru_cache(maxsize=4096)  # the same few diagnosis lists, line after line
def _any_with_prefix(codes: tuple[str, ...], prefix: str) -> bool:
    return any(code.startswith(prefix) for code in codes)


@cache
def _service_names(plan_id: str) -> dict[str, tuple[str, ...]]:
    from ..catalog import plan_profile

    names: dict[str, set[str]] = {}
    for combo in [*dhcs_catalog().combinations, *plan_profile(plan_id).extra_combinations]:
        names.setdefault(combo.category, set()).update({combo.service.lower(), combo.category.replace("_", " ")})
    for category, aliases in settings()["service_name"]["aliases"].items():
        names.setdefault(category, set()).update(alias.lower() for alias in aliases)
    return {category: tuple(sorted(values)) for category, values in names.items()}


@lru_cache(maxsize=4096)  # providers write the same few names over and over
def _name_scores(name: str, plan_id: str) -> dict[str, float]:
    text = name.lower()
    return {
        category: max(_score(text, candidate) for candidate in candidates)
        for category, candidates in _service_names(plan_id).items()
    }


def _score(text: str, candidate: str) -> float:
    # token_set_ratio forgives extra words ("ECM core services - Oct"); plain ratio breaks subset ties.
    clean = utils.default_process
    return (
        2 * fuzz.token_set_ratio(text, candidate, processor=clean) + fuzz.ratio(text, candidate, processor=clean)
    ) / 3


@line_rule
def service_name_matches_code(ctx: CheckContext, lc: LineContext):
    name = lc.line.service_name
    if not name:
        return
    config = settings()["service_name"]
    scores = _name_scores(name, ctx.plan_id)
    own = scores.get(lc.combo.category, 0)
    if own >= config["consistent_score"]:
        return
    best_category, best = max(scores.items(), key=lambda item: item[1])
    if best_category != lc.combo.category and best >= config["other_service_score"] and best > own:
        return Issue(
            Category.INVALID_VALUE,
            Severity.REJECT,
            f"Line {lc.number}: Service Name '{name}' describes {best_category.replace('_', ' ')}, but "
            f"{lc.combo.key} is {lc.combo.service}: correct the code or the service name.",
            config["cite"],
            "service_name",
            rests_on=rests_on("service_name", "procedure_code", "procedure_modifiers", line=lc.number),
        )
    else:
        return Issue(
            Category.INVALID_VALUE,
            Severity.WARNING,
            f"Line {lc.number}: Service Name '{name}' does not clearly name {lc.combo.service} ({lc.combo.key}).",
            config["cite"],
            "service_name",
        )


@line_rule(needs_combination=False)
def unit_cost_times_units(ctx: CheckContext, lc: LineContext):
    line = lc.line
    if line.unit_cost is None or line.unit_count is None or line.charge_amount is None:
        return
    if line.unit_count <= 0 or line.charge_amount < 0 or line.unit_cost < 0:
        return Issue(
            Category.UNITS,
            Severity.REJECT,
            f"Line {lc.number}: units, unit cost and charge must be positive.",
            table_cite("unit_count"),
            "unit_count",
            rests_on=rests_on("unit_count", "unit_cost", "charge_amount", line=lc.number),
        )
    expected = (line.unit_cost * line.unit_count).quantize(CENTS)
    if abs(expected - line.charge_amount) > CENTS:
        return Issue(
            Category.AMOUNT,
            Severity.REJECT,
            f"Line {lc.number}: unit cost {money(line.unit_cost)} × {line.unit_count} units = {money(expected)}, "
            f"but the charge is {money(line.charge_amount)}: correct one of them.",
            "000 Table 3: Service Unit Cost(s) and Service Charge Amount(s)",
            "charge_amount",
            rests_on=rests_on("unit_count", "unit_cost", "charge_amount", line=lc.number),
        )


@line_rule(applies=lambda plan, combination, unit: unit == "per_15_minutes")
def rule_of_eights(ctx: CheckContext, lc: LineContext):
    minutes = lc.line.minutes
    if minutes is None or lc.unit != "per_15_minutes" or lc.line.unit_count is None:
        return
    config = settings()["rule_of_eights"]
    first, size = config["first_unit_minutes"], config["unit_minutes"]
    supported = 0 if minutes < first else 1 + (minutes - first) // size
    if lc.line.unit_count > supported:
        detail = "not reportable (fewer than 8 minutes)" if supported == 0 else f"support at most {supported} unit(s)"
        return Issue(
            Category.UNITS,
            Severity.DENY,
            f"Line {lc.number}: {minutes} minutes {detail}, {lc.line.unit_count} billed.",
            config["cite"],
            "unit_count",
            rests_on=rests_on("minutes", "unit_count", "procedure_code", "procedure_modifiers", line=lc.number),
        )


@line_rule(
    applies=lambda plan, combination, unit: (
        unit in ("per_diem", "per_encounter") and combination.key not in plan_facts(plan).units_per_day_limited
    )
)
def per_diem_units(ctx: CheckContext, lc: LineContext):
    """Per-diem and per-encounter services: at most one unit a day (000 Payable Billing Units: 1-unit per diem)."""
    if lc.unit not in ("per_diem", "per_encounter") or lc.line.unit_count is None or lc.start is None:
        return
    if lc.key in plan_facts(ctx.plan_id).units_per_day_limited:
        return  # the plan sets its own units per day (meals, sobering center)
    if lc.line.unit_count > lc.days:
        return Issue(
            Category.UNITS,
            Severity.DENY,
            f"Line {lc.number}: {lc.line.unit_count} units over {lc.days} day(s); {lc.combo.key} is one unit a day.",
            "000 ECM/CS Procedure Codes and Modifiers: Payable Billing Units 1-unit per diem",
            "unit_count",
            rests_on=rests_on(
                "unit_count",
                "service_start_date",
                "service_end_date",
                "procedure_code",
                "procedure_modifiers",
                line=lc.number,
            ),
        )
