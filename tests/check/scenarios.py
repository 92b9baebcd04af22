"""The sample scenarios of docs/reference-data.md as claims, one per disposition and rule family.

`python -m tests.check.scenarios > samples/reference/scenario-claims.json` writes them as the JSON of
`claims-intake extract --format json`, so `claims-intake check` can be tried without an extractor:

    claims-intake check samples/reference/scenario-claims.json --reference samples/reference \
        --history samples/reference/history.csv --received 2026-11-30
"""

from __future__ import annotations

import json
import sys

from claims_intake.model import ExtractResult, SourceInfo

from .builders import claim, line, low_confidence


def scenarios():
    """(expected disposition, scenario, claim) in file order."""
    review_line = low_confidence(
        line("T2033", "U6", start="2026-10-15", end="2026-10-20", units="6", cost="210.00", name="Recuperative Care"),
        "unit_count",
        0.52,
        raw="6",
    )
    rows = [
        (
            "CLEAN",
            "eligible and authorized (Partnership ECM core + housing navigation)",
            claim(
                line("G9008", "U1", name="ECM Core Service"),
                line("H0043", "U6", cost="386.00", name="Housing Navigation"),
                invoice="SCCN-2026-1105",
                tar="TAR-PHC-1001",
            ),
        ),
        (
            "PARTIAL",
            "eligible through 10/15/2026 only",
            claim(
                line("G9012", "U2", start="2026-09-15", name="ECM"),
                line("G9012", "U2", start="2026-10-20", name="ECM"),
                member="90000002B",
                invoice="SCCN-2026-1020",
                tar="TAR-PHC-1008",
            ),
        ),
        (
            "DENIED",
            "Kaiser primary at Partnership",
            claim(
                line("G9008", "U1", start="2026-11-03", name="ECM Core Service"),
                member="90000004D",
                invoice="SCCN-2026-1103",
                tar="TAR-PHC-1007",
            ),
        ),
        (
            "DENIED",
            "D-SNP member: ECM through the D-SNP",
            claim(
                line("G9012", "U2", start="2026-11-04", name="ECM Core Service"),
                member="90000003C",
                invoice="SCCN-2026-1104",
                tar="TAR-PHC-1005",
            ),
        ),
        (
            "CLEAN",
            "D-SNP member: Community Supports still at Partnership",
            claim(
                line("H2016", "U6", start="2026-11-04", cost="386.00", name="Housing Transition/Navigation"),
                member="90000003C",
                provider="1456700024",
                invoice="BHP-2026-1104",
                tar="TAR-PHC-1006",
            ),
        ),
        (
            "DENIED",
            "TAR expired",
            claim(
                line(
                    "T2033",
                    "U6",
                    start="2026-10-01",
                    end="2026-10-10",
                    units="10",
                    cost="204.00",
                    name="Recuperative Care",
                ),
                member="90000006F",
                invoice="SCCN-2026-1010",
                tar="TAR-PHC-1004",
            ),
        ),
        (
            "RFI",
            "housing deposit TAR without its documents",
            claim(
                line("H0044", "U2", start="2026-10-15", cost="3500.00", name="Housing Deposit"),
                member="90000005E",
                provider="1456700024",
                invoice="BHP-2026-1015",
                tar="TAR-PHC-1003",
            ),
        ),
        (
            "RFI",
            "TAR number that matches nothing",
            claim(
                line("H2016", "U6", start="2026-11-12", cost="386.00", name="Housing Navigation"),
                member="90000003C",
                provider="1456700024",
                invoice="BHP-2026-1112",
                tar="TAR-PHC-9999",
            ),
        ),
        (
            "RFI",
            "homeless indicator cannot be derived",
            claim(
                line("G9012", "U8", start="2026-10-10", cost="5.00", name="ECM Outreach", dx="Z60.2"),
                member="90000007G",
                invoice="SCCN-2026-1011",
                member_homeless_indicator=None,
            ),
        ),
        (
            "REJECTED",
            "member date of birth missing",
            claim(
                line("G9008", "U1", start="2026-11-06", name="ECM Core Service"),
                invoice="SCCN-2026-1106",
                member_dob=None,
            ),
        ),
        (
            "REJECTED",
            "GQ written before the service modifier",
            claim(
                line("G9008", "GQ-U1", start="2026-11-06", name="ECM Core Service"),
                member="90000004D",
                invoice="SCCN-2026-1107",
            ),
        ),
        (
            "DENIED",
            "duplicate invoice (SCCN-2026-1001 already on file)",
            claim(line("G9008", "U1", start="2026-10-08", name="ECM Core Service"), invoice="SCCN-2026-1001"),
        ),
        (
            "DENIED",
            "ECM core twice in a month",
            claim(
                line("G9008", "U1", start="2026-10-22", name="ECM Core Service"),
                invoice="SCCN-2026-1022",
                tar="TAR-PHC-1001",
            ),
        ),
        (
            "DENIED",
            "6th outreach in 30 days",
            claim(
                line("G9012", "U8", start="2026-10-28", cost="5.00", name="ECM Outreach"),
                member="90000007G",
                invoice="SCCN-2026-1028",
            ),
        ),
        (
            "DENIED",
            "outreach billed late for 10/12: six attempts in 10/12-11/10",
            claim(
                line("G9012", "U8", start="2026-10-12", cost="5.00", name="ECM Outreach"),
                member="90000007G",
                invoice="SCCN-2026-1012",
            ),
        ),
        (
            "DENIED",
            "housing tenancy over 2 units a month",
            claim(
                line("T2040", "U6", start="2026-11-16", cost="222.00", name="Housing Tenancy and Sustaining Services"),
                member="90000012M",
                provider="1456700024",
                invoice="BHP-2026-1116",
                tar="TAR-PHC-1009",
            ),
        ),
        (
            "DENIED",
            "medically tailored meals beyond 12 weeks",
            claim(
                line("S5170", "U6", start="2026-11-02", units="2", cost="10.00", name="Medically Tailored Meals"),
                member="90000012M",
                provider="1456700057",
                invoice="SMTM-2026-1102",
                tar="TAR-PHC-1010",
            ),
        ),
        (
            "CLEAN",
            "housing deposit capped by the $5,000 lifetime maximum",
            claim(
                line("H0044", "U2", start="2026-10-20", cost="1500.00", name="Housing Deposit"),
                member="90000013N",
                provider="1456700024",
                invoice="BHP-2026-1020",
                tar="TAR-PHC-1011",
            ),
        ),
        (
            "DENIED",
            "provider contract ended",
            claim(
                line("S9125", "U6", start="2026-11-06", units="8", cost="8.25", name="Respite Care"),
                provider="1456700065",
                invoice="GGR-2026-1106",
            ),
        ),
        (
            "CLEAN",
            "Kaiser recuperative care",
            claim(
                line(
                    "T2033",
                    "U6",
                    start="2026-10-01",
                    end="2026-10-14",
                    units="14",
                    cost="210.00",
                    name="Recuperative Care",
                ),
                member="90000009J",
                provider="1456700032",
                plan="kp",
                invoice="VLC-2026-1014",
                tar="TAR-KP-2001",
            ),
        ),
        (
            "REVIEW",
            "OCR confidence 0.52 on the unit count",
            claim(review_line, member="90000009J", provider="1456700032", plan="kp", invoice="VLC-2026-1020"),
        ),
        (
            "CLEAN",
            "Kaiser subsequent core service in October paid $0.01",
            claim(
                line("G9012", "U2", start="2026-10-20", cost="450.00", name="ECM Core Service"),
                member="90000008H",
                provider="1456700032",
                plan="kp",
                invoice="VLC-2026-1021",
            ),
        ),
        (
            "REVIEW",
            "Kaiser pays contract rates: none on file for this provider and service",
            claim(
                line("S9470", "U6", start="2026-11-05", cost="41.00", name="Nutritional Counseling"),
                member="90000009J",
                provider="1456700057",
                plan="kp",
                invoice="SMTM-2026-1105",
            ),
        ),
        (
            "PARTIAL",
            "Kaiser housing navigation twice in November (once per member per month)",
            claim(
                line("H2016", "U6", start="2026-11-03", cost="390.00", name="Housing Navigation"),
                line("H0043", "U6", start="2026-11-17", cost="390.00", name="Housing Navigation"),
                member="90000009J",
                provider="1456700024",
                plan="kp",
                invoice="BHP-KP-2026-1117",
            ),
        ),
        (
            "DENIED",
            "Kaiser member whose coverage ended",
            claim(
                line("G9008", "U1", start="2026-10-15", cost="450.00", name="ECM Core Service"),
                member="90000014P",
                provider="1456700032",
                plan="kp",
                invoice="VLC-2026-1015",
            ),
        ),
        (
            "CLEAN",
            "Kern STPH bed-hold invoice",
            claim(
                line(
                    "H0043", "U3", start="2026-11-01", end="2026-11-30", units="30", cost="100.00", name="STPH bed hold"
                ),
                member="90000010K",
                provider="1456700040",
                plan="khs",
                invoice="KRH-2026-1130",
                source_kind="spreadsheet",
                tar="TAR-KHS-3001",
            ),
        ),
        (
            "REJECTED",
            "Kern invoice for a service other than STPH bed holds",
            claim(
                line(
                    "T2033",
                    "U6",
                    start="2026-10-01",
                    end="2026-10-10",
                    units="10",
                    cost="200.00",
                    name="Recuperative Care",
                ),
                member="90000011L",
                provider="1456700040",
                plan="khs",
                invoice="KRH-2026-1010",
                source_kind="spreadsheet",
                tar="TAR-KHS-3002",
            ),
        ),
    ]
    for expected, name, item in rows:
        item.extras.update({"scenario": name, "expected_disposition": expected})
    return rows


def scenario_file() -> ExtractResult:
    claims = [item for _, _, item in scenarios()]
    for number, item in enumerate(claims, start=1):
        item.claim_id = f"scenario-{number:02d}"
    return ExtractResult(source=SourceInfo(file="scenario-claims.json", kind="json"), claims=claims)


if __name__ == "__main__":
    json.dump(scenario_file().to_output(), sys.stdout, indent=2)
    sys.stdout.write("\n")
