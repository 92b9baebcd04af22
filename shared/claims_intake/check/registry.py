"""Rule registration: each rule is a small function returning None or one `Issue`, or, when it may
find several, a generator yielding them (plain returns keep the hot path cheap: most rules find nothing).

`@claim_rule` rules take the `CheckContext`; `@line_rule` rules take the context and one
`LineContext` (by default only once the line's code + modifier is known to the catalog).
A line rule may declare `applies(plan_id, combination, unit)`: whether it can ever find anything for
that plan and combination; the engine decides it once per (plan, combination), not once per line.
The order of registration is the order findings are reported in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .context import Issue


@dataclass(frozen=True)
class Rule:
    name: str
    function: Callable[..., Issue | Iterable[Issue] | None]
    needs_combination: bool = True
    applies: Callable[[str, Any, str], bool] | None = None


CLAIM_RULES: list[Rule] = []
LINE_RULES: list[Rule] = []


def claim_rule(function):
    CLAIM_RULES.append(Rule(function.__name__, function, False))
    return function


def line_rule(function=None, *, needs_combination: bool = True, applies=None):
    def register(fn):
        LINE_RULES.append(Rule(fn.__name__, fn, needs_combination, applies))
        return fn

    return register(function) if function is not None else register
