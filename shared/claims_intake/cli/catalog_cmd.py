"""`claims-intake catalog [--plan kp|phc|khs] [--format json]`: the DHCS catalog or a plan's profile."""

from __future__ import annotations

from dataclasses import asdict

from ..catalog import dhcs_catalog, plan_ids, plan_profile
from ..citations import for_people
from .output import add_format_option, print_json, print_table


def register(verbs) -> None:
    parser = verbs.add_parser("catalog", help="show the DHCS ECM/CS code catalog or a plan's profile")
    parser.add_argument("--plan", choices=plan_ids(), help="show this plan's profile instead of the DHCS catalog")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.plan:
        return _show_plan(args.plan, args.format)
    catalog = dhcs_catalog()
    if args.format == "json":
        print_json(
            {
                "version": catalog.version,
                "source": catalog.source,
                "count": len(catalog.combinations),
                "combinations": [
                    {"key": c.key, **asdict(c), "modifiers": list(c.modifiers)} for c in catalog.combinations
                ],
            }
        )
        return 0
    print_table(
        f"DHCS ECM & Community Supports HCPCS coding options v{catalog.version} ({len(catalog.combinations)} combinations)",
        ["Code", "Modifiers", "Program", "Service", "Unit", "Paid", "GQ add-on", "Source"],
        [
            (
                c.code,
                ", ".join(c.modifiers) or "none",
                c.program,
                c.service,
                c.unit.replace("_", " "),
                "yes" if c.reimbursable else "no",
                "yes" if c.telehealth_gq else "-",
                for_people(c.cite),
            )
            for c in catalog.combinations
        ],
    )
    return 0


def _show_plan(plan_id: str, output_format: str) -> int:
    profile = plan_profile(plan_id)
    catalog = dhcs_catalog()
    if output_format == "json":
        print_json({"plan": plan_id, **profile.data})
        return 0
    keys = [c.key for c in catalog.combinations] + [c.key for c in profile.extra_combinations]
    print_table(
        f"{profile.name} ({plan_id}) — {for_people(profile.cite)}",
        ["Combination", "Accepted", "Rate", "Invoice OK", "Limits"],
        [
            (
                key,
                "yes" if profile.accepts(key) else "no",
                profile.rate(key) or "contract",
                "yes" if profile.accepts_invoice_for(key) else "no",
                "; ".join(limit["rule"] for limit in profile.all_limits() if key in limit["combos"]),
            )
            for key in keys
        ],
    )
    for conflict in profile.conflicts_with_dhcs:
        print(f"Conflict with the DHCS coding options — {conflict['combination']}: {for_people(conflict['note'])}")
    return 0
