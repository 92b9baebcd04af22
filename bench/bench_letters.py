"""Letters per second: compose + render each kind to PDF (reportlab), on the sample scenarios of docs/reference-data.md.

Run: .venv/bin/python bench/bench_letters.py   (prints figures; nothing is asserted)
"""

import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from claims_intake.check import check_claim
from claims_intake.letters import denial_notice, rejection_letter, render_pdf, rfi_letter
from claims_intake.reference import load_reference_dir
from tests.check.builders import RECEIVED, SAMPLES, claim, line

ISSUED = date(2026, 11, 22)
DUE = datetime(2026, 12, 22, 23, 59, 59, tzinfo=UTC)


def main(seconds: float = 3.0) -> None:
    reference = load_reference_dir(SAMPLES)
    cases = {
        "rejection": (claim(line("G9008", "U1"), member_dob=None), lambda r: rejection_letter(r, "C-1", ISSUED)),
        "rfi": (claim(line("G9008", "U1"), tar="TAR-PHC-9999"), lambda r: rfi_letter(r, "C-2", ISSUED, DUE)),
        "denial": (
            claim(*[line("G9012", "U2", start=f"2026-10-{d:02d}") for d in range(1, 21)], member="90000002B"),
            lambda r: denial_notice(r, "C-3", ISSUED),
        ),
    }
    print(f"{'letter':<10} {'lines':>5} {'letters/s':>10} {'ms/letter':>10} {'CPU ms':>8} {'bytes':>7}")
    for kind, (claim_, compose) in cases.items():
        result = check_claim(claim_, "phc", reference, None, received=RECEIVED)
        count, started, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - started < seconds:
            size = len(render_pdf(compose(result)))
            count += 1
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        # CPU time per letter is what one idle core needs; wall time grows with the machine's load.
        print(
            f"{kind:<10} {len(claim_.lines):>5} {count / elapsed:>10.1f} {1000 * elapsed / count:>10.2f} "
            f"{1000 * cpu / count:>8.2f} {size:>7}"
        )


if __name__ == "__main__":
    main()
