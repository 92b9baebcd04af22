"""Refit the OCR confidence calibration (claims_intake.ocr.calibration) on generated scans of the TUNING seeds.

    make calibrate                                    # collect + fit + write data/ocr_calibration.json
    python -m claims_intake_dev.calibrate collect --per-profile 16 --out .calibration/tuning.jsonl
    python -m claims_intake_dev.calibrate fit .calibration/tuning.jsonl
    python -m claims_intake_dev.calibrate evaluate --held-out --per-profile 8   # figures on held-out seeds

1. collect: each degradation profile of `testdata.scans` and each mailroom family of `testdata.mailroom`
   makes forms from the TUNING seeds; each is read by the intake's scan reader with calibration off (the
   reader's own confidences) and compared, value by value, with the same form read from its fillable
   PDF (the truth, no OCR). One JSON line per form: profile, seed, the claim as read, and which values are right.
2. fit: ridge-regularised logistic regression (Newton steps, numpy) over the signals, then an isotonic
   map (pool-adjacent-violators) of its output; writes the table and the tuning figures at the check's
   review threshold.
3. evaluate: the same collection on the HELD-OUT seeds (the benches' ranges), scored with the shipped
   table: per profile, the share of values below the threshold (staff verify them), the silent errors
   (wrong values at or above it) as a share of all values, and the reliability of the probabilities.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from claims_intake.limits import default_limits
from claims_intake.model import Claim
from claims_intake.ocr import calibration
from claims_intake.ocr.scan import read_scan
from claims_intake_dev.testdata import mailroom, scans

SCAN_FORMATS = {"office": "pdf", "skewed": "jpeg", "photocopy": "pdf", "gray200": "jpeg", "fax": "tiff"}
KINDS = {"pdf": "pdf", "jpeg": "jpeg", "jpg": "jpeg", "tiff": "tiff", "tif": "tiff", "png": "png"}
# Seed ranges: the tuning range is disjoint from the held-out ranges the benches report
# (bench_doubt's scans from 91000, mailroom.HELD_OUT_SEEDS from 900000).
TUNING_FIRST_SEED = 30_000
HELD_OUT_SCAN_SEED = 91_000
RIDGE = 1.0
DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "shared" / "claims_intake" / calibration.TABLE


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# ---- collect ----------------------------------------------------------------------------------------


def profiles() -> list[str]:
    return [*SCAN_FORMATS, *mailroom.FAMILIES]


def make_form(profile: str, seed: int) -> tuple[scans.SampleClaim, bytes, str]:
    """One single-page form of `profile` from `seed`: its sample (the truth), the file and its name."""
    if profile in SCAN_FORMATS:
        sample = scans.sample_claim(seed, lines=None)
        if len(sample.pages) > 1:  # the truth is read from one fillable page
            sample = scans.sample_claim(seed, lines=scans.LINES_PER_PAGE)
        kind = SCAN_FORMATS[profile]
        return sample, scans.make_scan([sample], profile, kind, seed=seed), f"{profile}-{seed}.{kind}"
    case = mailroom.make_case(profile, seed)
    return case.sample, case.data, case.filename


def truth_claim(sample: scans.SampleClaim) -> Claim:
    """The form as written: its fillable PDF read from the fields (no OCR)."""
    from claims_intake.extract import extract_bytes

    (claim,) = extract_bytes(scans.fill_form(sample.pages[0]), "truth.pdf").claims
    return claim


def read_form(job: tuple[str, int]) -> dict[str, Any] | None:
    """Read one form with calibration off: the claim as read (reader's own confidences) and, for each
    scanned value, whether it equals the form as written."""
    profile, seed = job
    sample, data, filename = make_form(profile, seed)
    truth = truth_claim(sample)
    kind = KINDS[filename.rsplit(".", 1)[1].lower()]
    result = read_scan(data, filename, kind, default_limits(), calibrate=False)
    if not result.claims:
        return None
    claim = result.claims[0]
    right = {}
    for ref in calibration.scanned_values(claim):
        if ref.line is None:
            written: Any = truth
        else:
            index = next(i for i, line in enumerate(claim.lines) if line is ref.item)
            written = truth.lines[index] if index < len(truth.lines) else None
        expected = getattr(written, ref.key, None) if written is not None else None
        right[ref.label] = getattr(ref.item, ref.key, None) == expected and ref.key not in ref.item.invalid
    return {"profile": profile, "seed": seed, "claim": claim.to_output(), "right": right}


def value_records(forms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per scanned value: its signals (computed now, from the claim as read) and whether it is right."""
    records = []
    for form in forms:
        claim = Claim.from_output(form["claim"])
        refs, vectors = calibration.claim_signals(claim)
        for ref, signals in zip(refs, vectors, strict=True):
            if ref.label not in form["right"]:
                continue
            records.append(
                {
                    "profile": form["profile"],
                    "seed": form["seed"],
                    "element": ref.key,
                    "reader_confidence": ref.source.confidence,
                    "signals": signals,
                    "right": form["right"][ref.label],
                }
            )
    return records


def collect(jobs: list[tuple[str, int]], out: Path, workers: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    started, cpu = time.perf_counter(), cpu_seconds()
    count = 0
    with out.open("w", encoding="utf-8") as handle, ProcessPoolExecutor(max_workers=workers) as pool:
        for form in pool.map(read_form, jobs, chunksize=1):
            if form is not None:
                handle.write(json.dumps(form, default=str) + "\n")
            count += 1
            if count % 10 == 0:
                print(f"  {count}/{len(jobs)} forms read", flush=True)
    print(
        f"collected {len(jobs)} forms into {out}: {time.perf_counter() - started:.0f} s wall, "
        f"{cpu_seconds() - cpu:.0f} s CPU (all workers and Tesseract)"
    )


def jobs_for(
    per_profile: int, held_out: bool, names: list[str], more: list[str] | None = None, more_forms: int = 0
) -> list[tuple[str, int]]:
    """(profile, seed) pairs, round-robin over the profiles: any prefix of the run covers them all. The profiles
    in `more` get `more_forms` forms beyond `per_profile`: the ones read wrong most often, whose errors the fit
    must see enough of (14 forms of a 204 x 98 fax hold about ten wrong values above the threshold)."""
    jobs = []
    for index in range(per_profile + more_forms):
        for profile in names:
            if index >= per_profile and profile not in (more or []):
                continue
            if held_out:
                first = HELD_OUT_SCAN_SEED if profile in SCAN_FORMATS else mailroom.HELD_OUT_SEEDS.start
            else:
                first = TUNING_FIRST_SEED
            jobs.append((profile, first + index))
    return jobs


def load(*paths: Path) -> list[dict[str, Any]]:
    """The value records of the forms in `paths` (a form read twice counts once)."""
    forms: dict[tuple[str, int], dict[str, Any]] = {}
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                form = json.loads(line)
                forms.setdefault((form["profile"], form["seed"]), form)
    return value_records(list(forms.values()))


# ---- fit ----------------------------------------------------------------------------------------------


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE, steps: int = 50) -> np.ndarray:
    """Ridge-regularised logistic regression by Newton's method (IRLS)."""
    weights = np.zeros(x.shape[1])
    penalty = ridge * np.eye(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ weights, -30, 30)))
        gradient = x.T @ (p - y) + penalty @ weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-7:
            break
    return weights


def fit_isotonic(scores: np.ndarray, y: np.ndarray, prior: float = 1.0) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the non-decreasing map from score to the share right; knots for np.interp.

    Each block's share is then Laplace-smoothed, (right + prior) / (values + 2 prior): the posterior mean under a
    uniform prior. A raw share overstates small blocks (46 right of 48 reads 0.958, above the review threshold;
    smoothed 0.940), and blocks whose smoothed shares fall out of order are pooled again, so the map stays
    non-decreasing. prior=0 gives the plain shares."""
    order = np.argsort(scores, kind="stable")
    xs, ys = scores[order], y[order].astype(float)
    blocks = _pooled([[y_value, 1.0, x_value, x_value] for x_value, y_value in zip(xs, ys, strict=True)], 0.0)
    blocks = _pooled(blocks, prior)

    knots_x, knots_y = [0.0], []
    for block in blocks:
        knots_x += [block[2], block[3]]
        knots_y += [_share(block, prior), _share(block, prior)]
    knots_y = [knots_y[0], *knots_y, knots_y[-1]]
    knots_x.append(1.0)
    return [round(v, 6) for v in knots_x], [round(v, 6) for v in knots_y]


def _share(block: list[float], prior: float) -> float:
    return (block[0] + prior) / (block[1] + 2 * prior)


def _pooled(items: list[list[float]], prior: float) -> list[list[float]]:
    """Adjacent blocks ([sum of y, count, first x, last x], in score order) pooled until their shares rise."""
    blocks: list[list[float]] = []
    for item in items:
        blocks.append(list(item))
        while len(blocks) > 1 and _share(blocks[-2], prior) >= _share(blocks[-1], prior):
            total, count, _, last = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
            blocks[-1][3] = last
    return blocks


def fit(records: list[dict[str, Any]]) -> dict[str, Any]:
    x = np.array([r["signals"] for r in records], dtype=float)
    y = np.array([r["right"] for r in records], dtype=float)
    weights = fit_logistic(x, y)
    raw = 1 / (1 + np.exp(-np.clip(x @ weights, -30, 30)))
    knots_x, knots_y = fit_isotonic(raw, y)
    return {
        "about": "claims_intake.ocr.calibration: P(value right) from the reader's signals; refit with `make calibrate`",
        "features": calibration.feature_names(),
        "weights": {name: round(float(w), 6) for name, w in zip(calibration.feature_names(), weights, strict=True)},
        "isotonic": {"x": knots_x, "y": knots_y},
        "ceilings": {calibration.CEILING_SIGNAL: own_check_ceiling(x, y)},
    }


def own_check_ceiling(x: np.ndarray, y: np.ndarray) -> float:
    """The share right of the values that fail their own check (Laplace-smoothed: a few examples never give 0 or 1)."""
    failing = x[:, calibration.feature_names().index(calibration.CEILING_SIGNAL)] > 0
    return round(float((y[failing].sum() + 1) / (failing.sum() + 2)), 6)


def cross_validated(records: list[dict[str, Any]], folds: int = 5) -> list[dict[str, Any]]:
    """The records with `p_out_of_fold`: each form's values scored by a model fitted without that form's
    fold (folds by form, so no form is scored by a model that saw it)."""
    forms = sorted({(r["profile"], r["seed"]) for r in records})
    fold_of = {form: index % folds for index, form in enumerate(forms)}
    scored = [dict(r) for r in records]
    for fold in range(folds):
        train = [r for r in records if fold_of[(r["profile"], r["seed"])] != fold]
        test = [i for i, r in enumerate(records) if fold_of[(r["profile"], r["seed"])] == fold]
        if not train or not test:
            continue
        model = calibration.Calibration.from_table(fit(train))
        p = model.probability(np.array([records[i]["signals"] for i in test], dtype=float))
        for i, value in zip(test, p, strict=True):
            scored[i]["p_out_of_fold"] = float(value)
    return scored


def probabilities(records: list[dict[str, Any]], table: dict[str, Any]) -> np.ndarray:
    """Out-of-fold probabilities when the records carry them (cross_validated), else the table's."""
    if records and all("p_out_of_fold" in r for r in records):
        return np.array([r["p_out_of_fold"] for r in records], dtype=float)
    model = calibration.Calibration.from_table(table)
    return model.probability(np.array([r["signals"] for r in records], dtype=float))


def figures(records: list[dict[str, Any]], table: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Per profile: values, share right, share below the threshold, silent errors, Brier score."""
    by_profile: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_profile[record["profile"]].append(record)
    rows = {}
    for profile, group in [*by_profile.items(), ("all", records)]:
        y = np.array([r["right"] for r in group], dtype=bool)
        p = probabilities(group, table)
        reader = np.array([r["reader_confidence"] for r in group], dtype=float)
        flagged = p < threshold
        rows[profile] = {
            "forms": len({r["seed"] for r in group})
            if profile != "all"
            else len({(r["profile"], r["seed"]) for r in group}),
            "values": len(group),
            "right": round(float(y.mean()), 4),
            "below_threshold": round(float(flagged.mean()), 4),
            "silent_errors": round(float((~y & ~flagged).mean()), 4),
            "reader_below_threshold": round(float((reader < threshold).mean()), 4),
            "reader_silent_errors": round(float((~y & (reader >= threshold)).mean()), 4),
            "brier": round(float(((p - y) ** 2).mean()), 4),
            "mean_p": round(float(p.mean()), 4),
        }
    return rows


def reliability(records: list[dict[str, Any]], table: dict[str, Any]) -> list[dict[str, Any]]:
    y = np.array([r["right"] for r in records], dtype=float)
    p = probabilities(records, table)
    bins = []
    for low, high in ((0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 0.98), (0.98, 0.99), (0.99, 1.01)):
        inside = (p >= low) & (p < high)
        if inside.any():
            bins.append(
                {
                    "p": f"{low:.2f}-{min(high, 1):.2f}",
                    "values": int(inside.sum()),
                    "mean_p": round(float(p[inside].mean()), 4),
                    "share_right": round(float(y[inside].mean()), 4),
                }
            )
    return bins


def threshold_trade_off(records: list[dict[str, Any]], table: dict[str, Any]) -> list[dict[str, Any]]:
    y = np.array([r["right"] for r in records], dtype=bool)
    p = probabilities(records, table)
    rows = []
    for threshold in (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99):
        flagged = p < threshold
        rows.append(
            {
                "threshold": threshold,
                "below": round(float(flagged.mean()), 4),
                "silent_errors": round(float((~y & ~flagged).mean()), 4),
            }
        )
    return rows


def print_rows(title: str, rows: dict[str, Any] | list[Any]) -> None:
    print(title)
    items = rows.items() if isinstance(rows, dict) else enumerate(rows)
    for name, row in items:
        print(f"  {name!s:<14} {json.dumps(row)}")


# ---- command --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    for name in ("collect", "evaluate", "all"):
        command = commands.add_parser(name)
        command.add_argument("--per-profile", type=int, default=16, help="forms per profile or mailroom family")
        command.add_argument("--profiles", default=",".join(profiles()), type=lambda v: [p for p in v.split(",") if p])
        command.add_argument("--jobs", type=int, default=2, help="reader processes")
        command.add_argument("--more", default="", type=lambda v: [p for p in v.split(",") if p])
        command.add_argument("--more-forms", type=int, default=0, help="extra forms for each profile in --more")
        command.add_argument("--out", type=Path, default=Path(".calibration") / f"{name}.jsonl")
        command.add_argument("--held-out", action="store_true", help="the benches' held-out seeds (evaluate only)")
    fitting = commands.add_parser("fit")
    fitting.add_argument("records", type=Path, nargs="+", help="collected forms (JSON lines)")
    for command in (fitting, commands.choices["all"]):
        command.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    evaluate = commands.choices["evaluate"]
    evaluate.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    evaluate.add_argument("--records", type=Path, help="score these records instead of reading forms")
    args = parser.parse_args(argv)
    threshold = calibration.review_threshold()
    started = time.perf_counter()
    if args.command in ("collect", "all"):
        collect(jobs_for(args.per_profile, False, args.profiles, args.more, args.more_forms), args.out, args.jobs)
    if args.command in ("fit", "all"):
        records = load(*args.records) if args.command == "fit" else load(args.out)
        table = fit(records)
        table["fitted_on"] = {
            "seeds": f"tuning: {TUNING_FIRST_SEED}.. per profile",
            "values": len(records),
            "forms": len({(r["profile"], r["seed"]) for r in records}),
            "profiles": sorted({r["profile"] for r in records}),
            "date": datetime.now(UTC).date().isoformat(),
            "tuning_figures_in_sample": figures(records, table, threshold)["all"],
        }
        folded = cross_validated(records)
        table["fitted_on"]["cross_validated"] = figures(folded, table, threshold)["all"]
        args.table.write_text(json.dumps(table, indent=1) + "\n", "utf-8")
        print(f"wrote {args.table} ({len(records)} values)")
        print_rows(
            f"tuning figures at the review threshold {threshold}, 5-fold by form:", figures(folded, table, threshold)
        )
        print_rows("tuning reliability, 5-fold by form:", reliability(folded, table))
        print_rows("tuning trade-off, 5-fold by form:", threshold_trade_off(folded, table))
    if args.command == "evaluate":
        if args.records is None:
            jobs = jobs_for(args.per_profile, args.held_out, args.profiles, args.more, args.more_forms)
            collect(jobs, args.out, args.jobs)
        records = load(args.records or args.out)
        table = json.loads(args.table.read_text("utf-8"))
        split = "held-out" if args.held_out else "tuning"
        print_rows(f"{split} figures at the review threshold {threshold}:", figures(records, table, threshold))
        print_rows(f"{split} reliability:", reliability(records, table))
        print_rows(f"{split} trade-off:", threshold_trade_off(records, table))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} (shared); {time.perf_counter() - started:.0f} s wall"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
