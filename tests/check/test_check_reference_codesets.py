"""The contract-rate file and the roster's licence type as CSV; the ICD-10-CM code-set build from CDC files."""

import gzip
from datetime import date
from decimal import Decimal

import pytest

from claims_intake.codesets import Icd10cm, places_of_service
from claims_intake.reference import ReferenceDataError, parse_contract_rate_row, parse_provider_row
from claims_intake_dev.codesets import main as build_codesets

ROW = {
    "provider_npi": "1456700032",
    "plan": "KP",
    "combination": "g9008/u1",
    "rate": "$450.00",
    "start_date": "01/01/2026",
    "end_date": "",
}


def test_contract_rate_row():
    rate = parse_contract_rate_row(ROW)
    assert (rate.plan, rate.combination, rate.rate, rate.start, rate.end) == (
        "kp",
        "G9008-U1",
        Decimal("450.00"),
        date(2026, 1, 1),
        None,
    )
    assert rate.covers(date(2030, 1, 1)) and not rate.covers(date(2025, 12, 31))


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("rate", "", "contract rate"),
        ("rate", "-1", "contract rate"),
        ("rate", "abc", "not a number"),
        ("end_date", "2025-12-31", "before start_date"),
        ("combination", "", "'combination' is empty"),
    ],
)
def test_contract_rate_row_errors_name_the_column(column, value, says):
    with pytest.raises(ReferenceDataError, match=says):
        parse_contract_rate_row({**ROW, column: value})


@pytest.mark.parametrize(
    "text, expected", [("clinical", "clinical"), ("Non-Clinical", "non_clinical"), ("", ""), ("licensed", "clinical")]
)
def test_licence_type_column(text, expected):
    row = {"npi": "1456700107", "tin": "941234501", "name": "Ana Torres RN", "plans": "", "licence_type": text}
    assert parse_provider_row(row).licence_type == expected


def test_licence_type_column_rejects_other_words():
    with pytest.raises(ReferenceDataError, match="licence_type"):
        parse_provider_row({"npi": "1456700107", "tin": "941234501", "name": "A", "plans": "", "licence_type": "nurse"})


def test_build_code_set_from_the_three_cdc_formats(tmp_path):
    # enough codes to pass the builder's sanity floor, plus the three formats' own lines
    filler = [f"A{n:05d}" for n in range(50000)]
    order = tmp_path / "order.txt"
    order.write_text(
        "\n".join(
            [
                "00001 Z59     0 Housing",
                "00002 Z590    1 Homelessness",
                *(f"{i:05d} {c} 1 x" for i, c in enumerate(filler)),
            ]
        )
        + "\n"
    )
    codes = tmp_path / "codes.txt"
    codes.write_text("\n".join(["Z5900   Homelessness unspecified", "Z5901   Sheltered", *filler]) + "\n")
    tree = tmp_path / "tree.txt"
    tree.write_text("\n".join(["Z00-Z99", "Z59", "Z590", "Z5900", "Z5901", "Z5902", *filler]) + "\n")
    out = tmp_path / "icd.tsv.gz"
    build_codesets(
        [
            f"FY2021=order:{order}:2020-10-01:2021-09-30",
            f"FY2024=codes:{codes}:2023-10-01:2024-09-30",
            f"FY2025=tree:{tree}:2024-10-01:2025-09-30",
            "--out",
            str(out),
        ]
    )
    code_set = Icd10cm.from_text(gzip.decompress(out.read_bytes()).decode())
    assert [r.name for r in code_set.releases] == ["FY2021", "FY2024", "FY2025"]
    assert code_set.verdict("Z59.0", date(2021, 1, 1)).status == "billable"
    assert code_set.verdict("Z59.0", date(2025, 1, 1)).children == ("Z59.00", "Z59.01", "Z59.02")
    assert code_set.verdict("Z59.02", date(2024, 1, 1)).status == "unknown"  # not in the FY2024 file
    assert code_set.verdict("Z59.02", date(2027, 1, 1)).status == "billable"  # after the last release: the last


def test_build_refuses_a_file_of_the_wrong_format(tmp_path):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("Z5900 Homelessness\n" * 10)
    with pytest.raises(ValueError, match="wrong format"):
        build_codesets([f"FY2024=order:{wrong}:2023-10-01:2024-09-30", "--out", str(tmp_path / "x.gz")])


def test_place_of_service_set_has_no_unassigned_codes():
    codes = places_of_service()
    assert {"04", "12", "27", "99"} <= set(codes) and not {"90", "28", "00"} & set(codes)
