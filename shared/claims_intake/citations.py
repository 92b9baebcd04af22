"""Citations for people: internal source keys ("001 ECM Services") become document titles.

The rules and data files cite the source documents by a short key (data/sources.yaml) so they stay
short; a provider reading a letter, or staff reading a finding, sees the document's title and the
section: "Partnership HealthPlan ECM/CS Billing Tips — ECM Services".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import yaml

DASH = " — "


@cache
def source_titles() -> dict[str, str]:
    data = yaml.safe_load(resources.files("claims_intake").joinpath("data/sources.yaml").read_text("utf-8"))
    return {str(key): entry["title"] for key, entry in data["sources"].items()}


@cache
def _pattern() -> re.Pattern[str]:
    keys = "|".join(re.escape(key) for key in source_titles())
    # a key stands alone ("000 Table 3", "(001 is silent)", "seeds 000 and 004", "seed 001_14d0...txt"),
    # never inside an amount such as "$1,000" or "5000"; a section name after it gets a dash
    return re.compile(
        rf"(?<![\w$,.])(?:seeds?\s+)?({keys})(?:_[0-9a-f]{{16}}\.txt)?(?![\w$]|[,.]\d)"
        rf"(?P<section>\s+(?!and\b|or\b|is\b|\()(?=\S))?"
    )


@lru_cache(maxsize=4096)  # a few hundred distinct citations, read for every finding
def for_people(cite: str) -> str:
    """The citation with every internal source key replaced by the document's title."""
    if not cite:
        return cite
    titles, last = source_titles(), [""]

    def title(match: re.Match[str]) -> str:
        key, section = match.group(1), match.group("section")
        # "000 Clean Claims; 000 Claims Submission Policy": the title once, then its sections
        if key == last[0] and section and cite[: match.start()].rstrip().endswith(";"):
            return ""
        last[0] = key
        return titles[key] + (DASH if section else "")

    return _pattern().sub(title, cite)
