"""Fixtures of the check tests: the sample reference data and history."""

from datetime import date
from decimal import Decimal

import pytest

from claims_intake.reference import (
    Authorization,
    ContractRate,
    EligibilitySpan,
    InMemoryHistory,
    InMemoryReference,
    Provider,
    load_history_csv,
    load_reference_dir,
)

from .builders import SAMPLES

MEMBER, NPI = "90000001A", "1456700016"


@pytest.fixture(scope="session")
def reference():
    return load_reference_dir(SAMPLES)


@pytest.fixture
def history():
    return load_history_csv(SAMPLES / "history.csv")


@pytest.fixture
def empty_history():
    return InMemoryHistory()


@pytest.fixture
def open_reference():
    """Maria eligible, every service authorized to Solano Community Care Network (isolates the history rules)."""
    codes = [
        ("G9008", ("U1",)),
        ("G9012", ("U2",)),
        ("G9012", ()),
        ("G9008", ()),
        ("G9012", ()),
        ("T2040", ("U6",)),
        ("T2041", ("U6",)),
        ("H0044", ("U2",)),
        ("H0044", ("U3",)),
        ("T2033", ("U6",)),
        ("S5170", ("U6",)),
        ("S9977", ("U6",)),
        ("T2020", ("U6",)),
        ("H0014", ("U6",)),
        ("H0043", ("U6",)),
        ("H2016", ("U6",)),
    ]
    tars = [
        Authorization(f"T-{i}", MEMBER, NPI, plan, code, mods, date(2025, 1, 1), date(2027, 12, 31))
        for i, (code, mods) in enumerate(codes)
        for plan in ("phc", "kp", "khs")
    ]
    spans = [
        EligibilitySpan(
            MEMBER, plan, date(2025, 1, 1), None, ecm_enrollment_date=date(2026, 11, 1) if plan == "phc" else None
        )
        for plan in ("phc", "kp", "khs")
    ]
    # Kaiser and Kern pay contract rates: a rate above every amount billed here keeps allowed = billed
    rates = [
        ContractRate(NPI, plan, "-".join([code, *mods, *extra]), Decimal("10000.00"), date(2025, 1, 1))
        for code, mods in codes
        for extra in ((), ("GQ",), ("U8",))
        for plan in ("kp", "khs")
    ]
    return InMemoryReference(
        spans, tars, [Provider(NPI, "941234501", "Solano Community Care Network", ("phc", "kp", "khs"))], rates
    )
