"""Code sets as data: ICD-10-CM billable codes by release, and the CMS place-of-service codes.

ICD-10-CM (data/icd10cm_billable.tsv.gz, built by claims_intake_dev.codesets from the CDC/NCHS files):
the code set in force on a date of service is the release whose fiscal year (October 1 to
September 30) holds the date. A date in a fiscal year with no release on file is judged by the
releases on either side: a code with the same status in both is decided; otherwise the answer is
`undetermined` and the check sends the line to staff. A date after the last release is judged by
the last release (the plan profile's `icd10cm.after_last_release`; docs/rules.md).

Place of service (data/place_of_service.yaml): each code with the dates it is in force.
"""

from __future__ import annotations

import gzip
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

Status = Literal["billable", "category", "unknown", "undetermined"]
MAX_CHILDREN_LISTED = 6


@dataclass(frozen=True)
class Release:
    bit: int
    name: str
    first_day: date
    last_day: date
    source: str


@dataclass(frozen=True)
class CodeVerdict:
    """What the code set says of one diagnosis code on one date of service."""

    status: Status
    code: str  # as written to providers, with its dot
    release: str  # the release(s) that decided, e.g. "FY2026" or "FY2021/FY2024"
    children: tuple[str, ...] = ()  # a category's billable codes to choose from, or (when many) its subcategories
    children_billable: bool = True  # False: `children` are subcategories, each to be completed
    note: str = ""  # for undetermined: how the releases on either side differ


def dotted(code: str) -> str:
    """'Z5900' -> 'Z59.00' (how ICD-10-CM codes are written)."""
    code = code.replace(".", "").upper()
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


class Icd10cm:
    def __init__(self, releases: list[Release], masks: dict[str, int]):
        self.releases = sorted(releases, key=lambda r: r.first_day)
        self.masks = masks
        self.codes = sorted(masks)
        self._verdicts: dict[tuple[str, tuple[Release, ...]], CodeVerdict] = {}

    @classmethod
    def from_text(cls, text: str) -> Icd10cm:
        releases, masks = [], {}
        for line in text.splitlines():
            if line.startswith("#release\t"):
                _, bit, name, first, last, source, *_ = line.split("\t")
                releases.append(Release(int(bit), name, date.fromisoformat(first), date.fromisoformat(last), source))
            elif line and not line.startswith("#"):
                mask, codes = line.split("\t")
                masks.update(dict.fromkeys(codes.split(), int(mask, 16)))
        if not releases:
            raise ValueError("ICD-10-CM code-set file names no release")
        return cls(releases, masks)

    def releases_for(self, day: date) -> tuple[Release, ...]:
        """The release in force on `day`; or the two on either side of a fiscal year with none on file."""
        before: Release | None = None
        for release in self.releases:
            if release.first_day <= day <= release.last_day:
                return (release,)
            if release.last_day < day:
                before = release
            elif before is not None:
                return before, release
            else:
                return (release,)  # before the first release on file: judged by the first
        return (self.releases[-1],)  # after the last release: judged by the last

    def verdict(self, code: str, day: date) -> CodeVerdict:
        code, releases = code.replace(".", "").upper(), self.releases_for(day)
        key = (code, releases)
        found = self._verdicts.get(key)
        if found is None:  # providers bill the same few Z codes over and over: decide each once
            found = self._verdicts[key] = self._decide(code, releases)
        return found

    def _decide(self, code: str, releases: tuple[Release, ...]) -> CodeVerdict:
        verdicts = [self._in_release(code, release) for release in releases]
        first = verdicts[0]
        if all(v.status == first.status for v in verdicts[1:]):
            return CodeVerdict(
                first.status, first.code, "/".join(r.name for r in releases), first.children, first.children_billable
            )
        sides = "; ".join(f"{v.status} in the {r.name} release" for v, r in zip(verdicts, releases, strict=True))
        return CodeVerdict(
            "undetermined",
            dotted(code),
            "/".join(r.name for r in releases),
            note=f"no release on file between {releases[0].name} and {releases[-1].name}: {sides}",
        )

    def _in_release(self, code: str, release: Release) -> CodeVerdict:
        bit = 1 << release.bit
        if self.masks.get(code, 0) & bit:
            return CodeVerdict("billable", dotted(code), release.name)
        extensions = self._billable_extensions(code, bit)
        if not extensions:
            return CodeVerdict("unknown", dotted(code), release.name)
        if len(extensions) <= MAX_CHILDREN_LISTED:
            return CodeVerdict("category", dotted(code), release.name, tuple(dotted(c) for c in extensions))
        subcategories = tuple(dotted(prefix) for prefix in dict.fromkeys(c[: len(code) + 1] for c in extensions))
        return CodeVerdict("category", dotted(code), release.name, subcategories, children_billable=False)

    def extends(self, code: str) -> bool:
        """Some billable code of some release on file is longer and starts with `code`."""
        return bool(self._billable_extensions(code, ~0))  # every release's bit

    def _billable_extensions(self, code: str, bit: int) -> list[str]:
        found = []
        index = bisect_left(self.codes, code)
        while index < len(self.codes) and self.codes[index].startswith(code):
            if self.codes[index] != code and self.masks[self.codes[index]] & bit:
                found.append(self.codes[index])
            index += 1
        return found


@cache
def icd10cm() -> Icd10cm:
    raw = resources.files("claims_intake").joinpath("data/icd10cm_billable.tsv.gz").read_bytes()
    return Icd10cm.from_text(gzip.decompress(raw).decode("utf-8"))


@dataclass(frozen=True)
class PlaceOfService:
    code: str
    name: str
    effective: date | None  # None: in the code set before ECM and Community Supports began (January 2022)
    ended: date | None = None


@cache
def place_of_service_data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("claims_intake").joinpath("data/place_of_service.yaml").read_text("utf-8"))


@cache
def places_of_service() -> dict[str, PlaceOfService]:
    entries = [
        PlaceOfService(
            str(entry["code"]).zfill(2), entry["name"], _day(entry.get("effective")), _day(entry.get("ended"))
        )
        for entry in place_of_service_data()["codes"]
    ]
    return {entry.code: entry for entry in entries}


def _day(value: date | str | None) -> date | None:
    """A YAML date, whether the loader made it a date or left it text (loaders differ in their resolvers)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))
