"""Coverage checks: payer, provider roster, eligibility on each date, plan exclusions, TARs, timely filing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from ..catalog import TELEHEALTH, plan_ids, plan_profile
from ..reference.model import Authorization
from .context import CheckContext, Issue, LineContext, money, plan_facts, settings
from .doubt import rests_on
from .registry import claim_rule, line_rule
from .result import Category, Severity

OUTREACH_MODIFIERS = {"U8", TELEHEALTH}  # never on a TAR (001 ECM TAR Tips)
# A TAR is matched on the member, the providers, the service, its dates and units.
TAR_VALUES = (
    "authorization_number",
    "member_cin",
    "billing_provider_npi",
    "rendering_provider_npi",
    "procedure_code",
    "procedure_modifiers",
    "service_start_date",
    "service_end_date",
    "unit_count",
)
PAYER_CITE = "000 Table 3: Primary Payer Identifier and Payer Name (the plan the claim is billed to)"


@claim_rule
def payer_is_the_plan(ctx: CheckContext):
    claim = ctx.claim
    if not claim.primary_payer_id and not claim.payer_name:
        return  # reported as missing elements
    if ctx.profile.matches_payer(claim.primary_payer_id, claim.payer_name):
        return
    billed = claim.payer_name or claim.primary_payer_id
    others = [
        plan_profile(p)
        for p in plan_ids()
        if p != ctx.plan_id and plan_profile(p).matches_payer(claim.primary_payer_id, claim.payer_name)
    ]
    if others:
        message = (
            f"The claim is billed to {others[0].short_name} ({billed}) but was submitted to "
            f"{ctx.profile.short_name}: send it to {others[0].short_name} or correct the payer."
        )
    else:
        message = (
            f"Payer '{billed}' is not {ctx.profile.short_name} (payer ID {ctx.profile.payer_id}): "
            "correct the Primary Payer Identifier and Payer Name."
        )
    return Issue(
        Category.INVALID_VALUE,
        Severity.REJECT,
        message,
        PAYER_CITE,
        "primary_payer_id",
        rests_on=rests_on("primary_payer_id", "payer_name"),
    )


@claim_rule
def provider_on_roster(ctx: CheckContext):
    """The billing provider must be contracted with the plan (000 Claims Submission Policy; 004 II: contracted CBOs)."""
    issues: list[Issue] = []
    npi = ctx.claim.billing_provider_npi
    if not npi or "billing_provider_npi" in ctx.claim.invalid:
        return issues or None
    provider = ctx.provider()
    cite = "004 III: contracted CSS CBOs in the KHS Provider Network; 000 Claims Submission Policy; 001 Tips"
    if provider is None:
        issues.append(
            Issue(
                Category.PROVIDER,
                Severity.DENY,
                f"Billing NPI {npi} is not on {ctx.profile.short_name}'s ECM/CS provider roster: contact provider "
                "relations to contract or correct the NPI.",
                cite,
                "billing_provider_npi",
            )
        )
        return issues or None
    tin = ctx.claim.billing_provider_tin
    if tin and tin != provider.tin:
        issues.append(
            Issue(
                Category.PROVIDER,
                Severity.REJECT,
                f"Billing TIN {tin} is not the TIN on file for NPI {npi}: correct the TIN (or update your W-9 with "
                "provider relations).",
                cite,
                "billing_provider_tin",
                rests_on=rests_on("billing_provider_npi", "billing_provider_tin"),
            )
        )
    if ctx.plan_id not in provider.plans:
        issues.append(
            Issue(
                Category.PROVIDER,
                Severity.DENY,
                f"{provider.name} (NPI {npi}) has no ECM/CS contract in force with {ctx.profile.short_name}.",
                cite,
                "billing_provider_npi",
            )
        )
    return issues or None


RECORDS_CITE = (
    "000 Tables 1-2: the billing provider's NPI and TIN, the member's CIN, name and date of birth are required; "
    "001 Tips: verify eligibility every month"
)


@claim_rule
def scanned_values_agree_with_records(ctx: CheckContext):
    """A value read from a scan that the plan's records contradict (check.records) is verified by staff, whether
    or not another rule rests on it: the member's name and date of birth go to DHCS in the encounter."""
    # staff's verified values are settled: only those still doubtful keep the claim with staff
    doubtful = ctx.doubts.doubtful(tuple(ctx.records().doubtful))
    if not doubtful:
        return None
    return Issue(
        Category.FORM,
        Severity.REVIEW,
        "Values read from the scan disagree with the plan's records (member file, provider roster, TARs): staff "
        "compare them with the scan.",
        RECORDS_CITE,
        rests_on=tuple((element, line) for element, line, _, _ in doubtful),
    )


@line_rule
def provider_contracted_for_service(ctx: CheckContext, lc: LineContext):
    provider = ctx.provider()
    if provider is None or ctx.plan_id not in provider.plans or not provider.contracted:
        return None
    combo = lc.combo
    if lc.key not in provider.contracted and combo.category not in provider.contracted:
        return Issue(
            Category.PROVIDER,
            Severity.DENY,
            f"Line {lc.number}: {provider.name} is not contracted for {combo.service} ({combo.key}).",
            "004 IV.A.1: the codes will be included in the contracts",
            "procedure_code",
            rests_on=rests_on("billing_provider_npi", "procedure_code", "procedure_modifiers", line=lc.number),
        )


@line_rule
def eligible_on_each_date(ctx: CheckContext, lc: LineContext):
    """000 Reimbursement: services without active coverage on the date of service are denied; 001: verify monthly."""
    if lc.start is None or not ctx.member:
        return
    cite = (
        "000 Reimbursement: services rendered without active coverage on the date of service will be denied; "
        "001 Tips: verify eligibility every month"
    )
    start, end = lc.start, lc.end or lc.start
    for span in ctx.eligibility():
        if span.start <= start and (span.end is None or end <= span.end):
            return  # one span covers every date (the usual case)
    uncovered = first_uncovered_day(ctx, lc.start, end)
    if uncovered is None:
        return
    if not ctx.eligibility():
        message = f"Line {lc.number}: the member has no {ctx.profile.short_name} Medi-Cal eligibility on file."
    else:
        message = (
            f"Line {lc.number}: the member is not eligible with {ctx.profile.short_name} on {uncovered:%m/%d/%Y}; "
            "bill only dates with active coverage."
        )
    return Issue(
        Category.ELIGIBILITY,
        Severity.DENY,
        message,
        cite,
        "service_start_date",
        rests_on=rests_on("member_cin", "service_start_date", "service_end_date", line=lc.number),
    )


def first_uncovered_day(ctx: CheckContext, start: date, end: date) -> date | None:
    cursor = start
    for span in sorted(ctx.eligibility(), key=lambda s: s.start):
        if span.start > cursor:
            break
        if span.end is None or span.end >= cursor:
            if span.end is None or span.end >= end:
                return None
            cursor = span.end + timedelta(days=1)
    return cursor if cursor <= end else None


@line_rule(applies=lambda plan, combination, unit: bool(plan_profile(plan).data.get("coverage_exclusions")))
def plan_coverage_exclusions(ctx: CheckContext, lc: LineContext):
    """Partnership: Kaiser-primary members get ECM & CS through Kaiser; D-SNP members get ECM through the D-SNP (001)."""
    exclusions = ctx.profile.data.get("coverage_exclusions")
    if not exclusions or lc.start is None:
        return None
    excluding = ctx.excluding_spans()
    if not excluding:
        return None  # the usual member: no D-SNP, no other primary coverage
    spans = [s for s in excluding if s.covers(lc.start)]
    if not spans:
        return None
    for exclusion in exclusions:
        when = exclusion["when"]
        if when == "other_primary_kaiser" and any(s.other_primary == "kaiser" for s in spans):
            return Issue(
                Category.ELIGIBILITY,
                Severity.DENY,
                f"Line {lc.number}: the member has Kaiser as primary coverage; ECM and Community Supports are "
                "coordinated and billed through Kaiser, not Partnership.",
                exclusion["cite"],
                "member_cin",
                rests_on=rests_on("member_cin", "service_start_date", line=lc.number),
            )
        elif when == "dsnp_ecm" and lc.combo.program == "ECM" and any(s.dsnp for s in spans):
            return Issue(
                Category.ELIGIBILITY,
                Severity.DENY,
                f"Line {lc.number}: the member is enrolled in a D-SNP, which provides ECM; bill the D-SNP.",
                exclusion["cite"],
                "member_cin",
                rests_on=rests_on(
                    "member_cin", "procedure_code", "procedure_modifiers", "service_start_date", line=lc.number
                ),
            )


@claim_rule
def authorization_number_known(ctx: CheckContext):
    """A TAR number that matches nothing on file: ask for the right one (RFI)."""
    number = ctx.claim.authorization_number
    if number and ctx.reference.authorization(number) is None:
        return Issue(
            Category.AUTHORIZATION,
            Severity.RFI,
            f"Authorization Number {number} matches no approved TAR on file: send the approved TAR number "
            "(or a copy of the approval).",
            "001 ECM TAR Tips: verify the codes/modifiers billed match an approved TAR",
            "authorization_number",
        )


@line_rule(applies=lambda plan, combination, unit: combination.key in plan_facts(plan).requires_authorization)
def authorized(ctx: CheckContext, lc: LineContext):
    """TAR on file for the member, provider, code + modifier, dates and units (001 TAR Tips; 000 NLEs; 004 IV.B.1)."""
    if lc.start is None:  # (the engine calls it only for combinations the plan authorizes: `applies`)
        return
    cite = ctx.profile.requires_authorization_cite
    number = ctx.claim.authorization_number
    numbered = ctx.reference.authorization(number) if number else None
    # only TARs for this code can authorize the line or explain why not
    candidates = list(ctx.tars_for_code(lc.line.procedure_code))
    if numbered is not None and numbered not in candidates:
        candidates.insert(0, numbered)
    billed = _billed_for_tar(tuple(lc.line.procedure_modifiers))
    problems: list[tuple[int, Authorization, list[str]]] = []
    for tar in candidates:
        reasons = tar_mismatches(ctx, lc, tar, billed)
        if not reasons:  # a claim carries one TAR number, its lines may fall under several TARs
            lc.authorization = tar
            return
        same_service = tar_modifiers(tar) == billed
        problems.append((0 if tar is numbered else 1 if same_service else 2, tar, reasons))
    if not problems:
        return Issue(
            Category.AUTHORIZATION,
            Severity.DENY,
            f"Line {lc.number}: {lc.combo.service} ({lc.combo.key}) requires an approved TAR; none is on "
            "file for this member: request authorization before billing.",
            cite,
            "authorization_number",
            rests_on=rests_on(*TAR_VALUES, line=lc.number),
        )
    _, tar, reasons = min(problems, key=lambda item: (item[0], len(item[2])))
    return Issue(
        Category.AUTHORIZATION,
        Severity.DENY,
        f"Line {lc.number}: not authorized — TAR {tar.number}: {'; '.join(reasons)}.",
        cite,
        "authorization_number",
        rests_on=rests_on(*TAR_VALUES, line=lc.number),
    )


def tar_mismatches(
    ctx: CheckContext, lc: LineContext, tar: Authorization, billed: tuple[str, ...] | None = None
) -> list[str]:
    """Why `tar` does not authorize the line (empty: it does). `billed`: the line's modifiers without U8/GQ."""
    line, reasons = lc.line, []
    if billed is None:
        billed = _billed_for_tar(tuple(line.procedure_modifiers))
    if tar.plan != ctx.plan_id:
        reasons.append(f"approved by another plan ({tar.plan})")
    if tar.member_cin != ctx.member:
        reasons.append("issued for another member")
    if tar.provider_npi != ctx.claim.billing_provider_npi and tar.provider_npi != line.rendering_provider_npi:
        reasons.append(f"issued to another provider (NPI {tar.provider_npi})")
    authorized_modifiers = _tar_modifiers(tar.modifiers)  # tar_modifiers(tar), without the extra call per line
    if tar.code != line.procedure_code or authorized_modifiers != billed:
        reasons.append(
            f"authorizes {'-'.join([tar.code, *authorized_modifiers])}, "
            f"not {'-'.join([line.procedure_code or '', *billed])}"
        )
    start = lc.start
    end = lc.end or start
    if start is not None and end is not None and (start < tar.start or end > tar.end):
        dates = f"{start:%m/%d/%Y}" + (f"-{end:%m/%d/%Y}" if end != start else "")
        reasons.append(
            f"covers {tar.start:%m/%d/%Y}-{tar.end:%m/%d/%Y}, not {dates}"
            + (" (expired)" if start > tar.end else " (not yet in effect)" if end < tar.start else "")
        )
    if not reasons and tar.units is not None:
        used = units_used_under(ctx, tar)
        if used + lc.units > tar.units:
            reasons.append(f"{tar.units} units authorized, {used} already billed, {lc.units} more is too many")
    return reasons


def tar_modifiers(tar: Authorization) -> tuple[str, ...]:
    """The modifiers a TAR authorizes: U8 and GQ never belong on a TAR, so one that lists them is read without them."""
    return _tar_modifiers(tar.modifiers)


@lru_cache(maxsize=1024)  # a handful of modifier lists, checked for every line under a TAR
def _tar_modifiers(modifiers: tuple[str, ...]) -> tuple[str, ...]:
    ignored = settings()["tar_ignored_modifiers"]
    return tuple(m for m in modifiers if m not in ignored)


@lru_cache(maxsize=1024)
def _billed_for_tar(modifiers: tuple[str, ...]) -> tuple[str, ...]:
    """A line's modifiers as a TAR would name them (outreach U8 and telehealth GQ are never on a TAR)."""
    return tuple(m for m in modifiers if m not in OUTREACH_MODIFIERS)


def units_used_under(ctx: CheckContext, tar: Authorization) -> Decimal:
    authorized_key = "-".join([tar.code, *tar_modifiers(tar)])
    total = Decimal(0)
    for counted in ctx.counted:
        if tar.start <= counted.start <= tar.end and _without_outreach(counted.combination) == authorized_key:
            total += counted.units
    return total


@line_rule(applies=lambda plan, combination, unit: combination.key in plan_facts(plan).requires_authorization)
def authorization_documents(ctx: CheckContext, lc: LineContext):
    """Housing deposit TARs need the CS referral, support plan, lease and item list (001 CS TAR Tips): ask (RFI).

    Also caps the allowed amount at what the TAR's approved amount leaves.
    """
    tar = lc.authorization
    if tar is None:
        return None
    if tar.amount is not None:
        used = sum(
            (c.allowed for c in ctx.counted if c.key == lc.key and tar.start <= c.start <= tar.end), Decimal("0.00")
        )
        remaining = max(tar.amount - used, Decimal("0.00"))
        if lc.allowed_cap is None or remaining < lc.allowed_cap:
            lc.allowed_cap, lc.cap_cite = remaining, f"TAR {tar.number} approved {money(tar.amount)}"
    needed = plan_facts(ctx.plan_id).documentation_required.get(lc.key or "")
    if needed and not tar.documents_on_file:
        return Issue(
            Category.DOCUMENTATION,
            Severity.RFI,
            f"Line {lc.number}: TAR {tar.number} for {lc.combo.service} is missing its documentation: send the "
            f"{needed}.",
            ctx.profile.documentation_cite,
            "authorization_number",
            rests_on=rests_on("authorization_number", "procedure_code", "procedure_modifiers", line=lc.number),
        )
    return None


@line_rule
def timely_filing(ctx: CheckContext, lc: LineContext):
    days = ctx.profile.timely_filing_days
    end = lc.end or lc.start
    if end is None:
        return
    late = (ctx.received - end).days
    if late > days:
        return Issue(
            Category.TIMELY_FILING,
            Severity.DENY,
            f"Line {lc.number}: received {late} days after the service ended ({end:%m/%d/%Y}); "
            f"{ctx.profile.short_name} accepts claims within {days} days.",
            ctx.profile.timely_filing_cite,
            "service_end_date",
            rests_on=rests_on("service_start_date", "service_end_date", line=lc.number),
        )


@lru_cache(maxsize=4096)
def _without_outreach(combination: str) -> str:
    """A billed combination as a TAR names it (U8/GQ dropped): run for every history line of every TAR check."""
    return "-".join(part for part in combination.split("-") if part not in OUTREACH_MODIFIERS)
