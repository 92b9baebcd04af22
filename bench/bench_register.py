"""Registration error per page, in template points, against the generator's true placement (TUNING seeds).

    nice .venv/bin/python bench/bench_register.py --profiles fax200,fax_standard --pages 40

Each mailroom case knows where the form truly lies on its page (`Case.template_to_page`). The page is
decoded and normalised as `read_scan` does, registered (`ocr.register.register`), and a grid of points
over the form (every 18 pt, inside the printed area) is sent to the page by the registration and by
the truth: the distance between the two, in template points (1/72 inch), is the registration error.
A box of the form is 12-24 pt tall and a digit cell about 7 pt wide: an error over ~3 pt moves a
value's crop onto its neighbour. Also printed: the page's verdict (form / uncertain / not_form), the
fit's score, coverage and core coverage, and the CPU seconds of the registration. Cases are cached
under --cache (the generator's pages take longer than registering them).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake.limits import default_limits
from claims_intake.ocr.normalise import normalise
from claims_intake.ocr.pages import image_pages, pdf_pages
from claims_intake.ocr.profile_fit import COARSE_DPI
from claims_intake.ocr.register import register
from claims_intake.ocr.scan import form_verdict, ocr_settings
from claims_intake_dev.testdata import mailroom, nonforms

GRID_STEP_PT = 18
FORM_AREA_PT = (18, 36, 594, 756)  # left, top, right, bottom: where the 02/12 prints its boxes
BAD_ERROR_PT = 3.0


def grid_points() -> np.ndarray:
    left, top, right, bottom = FORM_AREA_PT
    xs, ys = np.meshgrid(np.arange(left, right + 1, GRID_STEP_PT), np.arange(top, bottom + 1, GRID_STEP_PT))
    return np.vstack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(np.float64)


def project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    out = matrix @ points
    return out[:2] / out[2]


def case(profile: str, seed: int, cache: Path) -> mailroom.Case:
    if seed not in mailroom.TUNING_SEEDS:
        raise SystemExit("tuning seeds only")
    path = cache / f"{profile}-{seed}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    built = mailroom.make_case(profile, seed)
    path.write_bytes(pickle.dumps(built))
    return built


def first_page(built: mailroom.Case):
    limits = default_limits()
    suffix = built.filename.rsplit(".", 1)[1]
    if suffix == "pdf":
        return next(iter(pdf_pages(built.data, built.filename, limits)))
    kind = {"tif": "tiff", "jpg": "jpeg"}.get(suffix, suffix)
    return next(iter(image_pages(built.data, built.filename, kind, limits)))


def measure(built: mailroom.Case) -> dict:
    page = first_page(built)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    start = time.process_time()
    registration = register(image, dpi)
    cpu = time.process_time() - start
    stored_to_normalised = np.diag([image.width / page.image.width, image.height / page.image.height, 1.0])
    points = grid_points()
    truth = project(stored_to_normalised @ built.template_to_page, points)  # continuous page pixels
    row = {"cpu": cpu, "verdict": "blank", "error_median": float("inf"), "error_max": float("inf")}
    if registration is None:
        return row
    # Registration: template pixel index at 100 dpi -> page pixel index; indices sit 0.5 below continuous.
    template_index = np.vstack([points[:2] * COARSE_DPI / 72 - 0.5, points[2]])
    found = project(registration.matrix, template_index) + 0.5
    error_pt = np.hypot(*(found - truth)) * 72 / dpi
    row.update(
        verdict=form_verdict(registration, ocr_settings()),
        error_median=float(np.median(error_pt)),
        error_max=float(error_pt.max()),
        bad_share=float((error_pt > BAD_ERROR_PT).mean()),
        score=registration.score,
        coverage=registration.coverage,
        core=registration.core_coverage,
        method=registration.method,
        scale=registration.scale,
        agreeing=registration.agreeing_patches,
        band=registration.thinnest_band,
    )
    return row


def judge_non_form(data: bytes, filename: str) -> dict:
    """A page that is not the form: its verdict and evidence (no truth to measure error against)."""
    built = mailroom.Case("non_form", 0, None, data, filename)
    page = first_page(built)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register(image, dpi)
    if registration is None:
        return {"verdict": "blank"}
    return {
        "verdict": form_verdict(registration, ocr_settings()),
        "score": registration.score,
        "coverage": registration.coverage,
        "core": registration.core_coverage,
        "agreeing": registration.agreeing_patches,
        "band": registration.thinnest_band,
        "method": registration.method,
    }


def evidence(row: dict) -> str:
    if "score" not in row:
        return ""
    return (
        f"score {row['score']:.2f} cov {row['coverage']:.2f} core {row['core']:.2f} "
        f"patches {row['agreeing']} (band {row['band']}) {row['method']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="fax200,fax_standard", type=lambda v: [p for p in v.split(",") if p])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=5000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ocrreg-cases"))
    parser.add_argument("--quiet", action="store_true", help="only the summary per profile")
    parser.add_argument("--non-forms", type=int, default=0, help="pages per non-form kind, plain and faxed")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for kind in nonforms.KINDS if args.non_forms else ():
        for seed in range(args.first_seed, args.first_seed + args.non_forms):
            for fax in (False, True):
                data, filename = nonforms.make(kind, seed, fax=fax)
                row = judge_non_form(data, filename)
                print(f"non-form {filename}: {row['verdict']:<9} {evidence(row)}", flush=True)
    for profile in args.profiles:
        rows = []
        for seed in range(args.first_seed, args.first_seed + args.pages):
            built = case(profile, seed, args.cache)
            row = measure(built)
            rows.append(row)
            if not args.quiet:
                extra = evidence(row)
                print(
                    f"{profile} {seed} {built.filename.rsplit('.', 1)[1]}: {row['verdict']:<9} "
                    f"err median {row['error_median']:6.2f} max {row['error_max']:6.2f} pt  {extra} "
                    f"cpu {row['cpu']:.2f}s",
                    flush=True,
                )
        verdicts = Counter(row["verdict"] for row in rows)
        placed = [row for row in rows if row["verdict"] == "form" and row["error_max"] <= BAD_ERROR_PT]
        print(
            f"{profile}: {len(rows)} pages, verdicts {dict(verdicts)}, placed within {BAD_ERROR_PT} pt everywhere "
            f"and read: {len(placed)}; median of page max error "
            f"{statistics.median(row['error_max'] for row in rows):.2f} pt; "
            f"register CPU median {statistics.median(row['cpu'] for row in rows):.3f} s, "
            f"max {max(row['cpu'] for row in rows):.3f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
