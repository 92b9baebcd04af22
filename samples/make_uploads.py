"""Regenerate samples/uploads/ (spreadsheets and CMS-1500 scans) and samples/uploads/expected.json.

    PYTHONPATH=shared python samples/make_uploads.py [OUT_DIR]

The samples and the disposition each claim must get are defined in claims_intake/local/samples.py.
"""

import shutil
import sys
from pathlib import Path

from claims_intake.local.samples import write_samples

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "uploads"
if out.exists():
    shutil.rmtree(out)
print(f"wrote {write_samples(out)}")
