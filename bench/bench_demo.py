"""The demo on the embedded local AWS stack, timed by stage: start, reference data, uploads to settled.

Runs what `claims-intake demo` runs (samples/reference, samples/uploads) and prints seconds per stage,
then per function: invocations, handler seconds (measured inside the invocation lock) and the mean.
The machine's load average is printed with the figures (a shared 2-core machine varies a lot).

    nice .venv/bin/python bench/bench_demo.py
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake_dev.local import demo
from claims_intake_dev.local.stack import LocalStack


def main() -> None:
    began = time.monotonic()
    log = Path(tempfile.mkdtemp()) / "lambda.log"
    stack = LocalStack(function_log=log).start()
    started = time.monotonic()
    try:
        demo.load_reference(stack)
        loaded = time.monotonic()
        store = demo.store_for(stack)
        files = demo.upload_files(stack, demo.sample_files())
        demo.wait_for_files(stack, store, files, timeout=900)
        settled = time.monotonic()
        summaries = demo.summarize(stack, store, files, None)
    finally:
        stack.stop()
    claims = sum(len(summary.claims) for summary in summaries)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(
        f"start {started - began:.1f} s | reference data {loaded - started:.1f} s | "
        f"{len(files)} uploads, {claims} claims to settled {settled - loaded:.1f} s | total {settled - began:.1f} s"
    )
    per_function: dict[tuple[str, str], list[float]] = defaultdict(list)
    for invocation in stack.registry.invocations:
        per_function[(invocation.function, invocation.source)].append(invocation.seconds)
    for (function, source), seconds in sorted(per_function.items()):
        print(
            f"  {function:<26} from {source:<6} {len(seconds):>3} invocations {sum(seconds):7.1f} s "
            f"(mean {sum(seconds) / len(seconds):.2f} s)"
        )


if __name__ == "__main__":
    main()
