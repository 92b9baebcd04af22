"""Regenerate samples/uploads/ (spreadsheets and CMS-1500 scans) and samples/uploads/expected.json.

    PYTHONPATH=shared python samples/make_uploads.py [--check] [OUT_DIR]

The samples and the disposition each claim must get are defined in claims_intake_dev/local/samples.py.
--check then reads and checks every file offline (the intake's extract and check, no AWS) and fails
if a disposition differs from the expected one.
"""

import argparse
import shutil
import sys
from pathlib import Path

from claims_intake_dev.local.samples import check_samples, write_samples

HERE = Path(__file__).resolve().parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("out", nargs="?", type=Path, default=HERE / "uploads")
parser.add_argument("--check", action="store_true", help="check the dispositions offline after writing")
args = parser.parse_args()
if args.out.exists():
    shutil.rmtree(args.out)
print(f"wrote {write_samples(args.out)}")
if args.check:
    problems = check_samples(args.out, HERE / "reference")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)
