"""`claims-intake demo`: the whole product on the embedded local AWS stack, no AWS account needed.

Starts the stack from template.yaml, uploads samples/reference/*.csv under reference/ (the loader
Lambda loads them), uploads samples/uploads/** under uploads/{provider}/..., lets the S3 notifications
drive the pipeline and the claim flow, shows a progress bar per file, then prints the summary and
writes the letters to ./out/.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from claims_intake.cli.output import add_format_option, print_json, print_table

STEPS = {"uploaded": 1, "received": 2, "checked": 3, "done": 4, "unreadable": 4}
LABELS = {
    "uploaded": "queued",
    "received": "reading",
    "checked": "letters and queues",
    "done": "done",
    "unreadable": "unreadable (quarantined)",
}


def register(verbs) -> None:
    parser = verbs.add_parser("demo", help="run the sample uploads through the local stack and summarize")
    parser.add_argument("--uploads", type=Path, default=None, help="folder of uploads (default samples/uploads)")
    parser.add_argument("--reference", type=Path, default=None, help="reference CSV folder (default samples/reference)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the letters go (default ./out)")
    parser.add_argument("--template", type=Path, default=None, help="the SAM template (default: the project's)")
    parser.add_argument(
        "--logs", type=Path, default=None, help="file for the functions' log lines (default OUT/lambda.log)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for every file (default 600)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..local import demo
    from ..local.stack import DEFAULT_TEMPLATE, LocalStack

    # the consoles keep today's streams: while a handler runs, stdout/stderr go to the functions' log
    console = Console(file=sys.stderr if args.format == "json" else sys.stdout)
    started = time.monotonic()
    with console.status("Starting the local AWS stack from template.yaml"):
        stack = LocalStack(args.template or DEFAULT_TEMPLATE, function_log=args.logs or args.out / "lambda.log").start()
    try:
        console.print(
            f"Local stack on {stack.endpoint}: bucket [bold]{stack.bucket()}[/], "
            f"{len(stack.plan.functions)} functions, {len(stack.plan.tables)} tables, "
            f"{len(stack.plan.state_machines)} state machine(s)"
        )
        with console.status("Loading reference data through the loader (reference/*.csv)"):
            keys = demo.load_reference(stack, args.reference or demo.REFERENCE_DIR)
        console.print(f"Reference data loaded: {', '.join(key.rsplit('/', 1)[-1] for key in keys)}")
        store = demo.store_for(stack)
        files = demo.sample_files(args.uploads or demo.UPLOADS_DIR)
        if not files:
            console.print("[red]No sample uploads found[/]: run `python samples/make_uploads.py` first.")
            return 1
        try:
            progress_files = _run_with_progress(console, stack, store, files, args.timeout)
        except TimeoutError as error:
            console.print(f"[red]{error}[/]. What the functions did is in {args.logs or args.out / 'lambda.log'}.")
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        summaries = demo.summarize(stack, store, progress_files, args.out)
        with console.status("Daily encounter run (the EventBridge schedule, fired now)"):
            encounters = demo.run_encounters(stack, args.out)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    if args.format == "json":
        print_json(
            [
                {
                    "file": s.file,
                    "claims": [
                        {"invoice_number": c.invoice_number, "disposition": c.disposition, "findings": c.findings}
                        for c in s.claims
                    ],
                    **({"error": s.error} if s.error else {}),
                }
                for s in summaries
            ]
        )
    else:
        _print_summary(summaries, demo)
        _print_encounters(console, encounters)
        letters = sum(len(c.letters) for s in summaries for c in s.claims)
        console.print(
            f"{len(summaries)} files, {sum(len(s.claims) for s in summaries)} claims, "
            f"{letters} letters in {args.out}/ — {elapsed:.1f} s"
        )
    return 0


def _run_with_progress(console, stack, store, files, timeout):
    from ..local import demo

    columns = [
        TextColumn("{task.fields[file]}", style="bold"),
        BarColumn(bar_width=30),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        uploaded = demo.upload_files(stack, files)
        tasks = {
            item.key: progress.add_task(
                LABELS["uploaded"], total=STEPS["done"], completed=1, file=item.key.removeprefix("uploads/")
            )
            for item in uploaded
        }

        def update(items):
            for item in items:
                steps = STEPS[item.stage]
                if item.stage == "checked" and item.claims_total:
                    steps += item.claims_settled / item.claims_total
                label = LABELS[item.stage]
                if item.claims_total and item.stage in ("checked", "done"):
                    label += f" ({item.claims_settled}/{item.claims_total} claims)"
                progress.update(tasks[item.key], completed=steps, description=label)

        demo.wait_for_files(stack, store, uploaded, timeout=timeout, on_update=update)
    return uploaded


def _print_encounters(console, encounters) -> None:
    summary = encounters.summary
    if encounters.path is None:
        console.print(f"Encounters: no 837 written ({summary or 'the schedule did not run'})")
        return
    verdict = (
        "[green]valid[/]"
        if not (encounters.x12_errors or encounters.check_problems)
        else (f"[red]{len(encounters.x12_errors)} pyx12 error(s), {len(encounters.check_problems)} check problem(s)[/]")
    )
    held = f", {len(summary['held'])} held" if summary.get("held") else ""
    console.print(
        f"Encounters: {encounters.path} — interchange {summary['control_number']:09d}, "
        f"{summary['claims']} claim(s), {summary['skipped']} with nothing to report{held}; "
        f"pyx12 (X222A1) and encounter checks: {verdict}"
    )


def _print_summary(summaries, demo) -> None:
    rows = []
    for summary in summaries:
        if not summary.claims:
            rows.append((summary.file, "-", summary.status, summary.error or "no claims found"))
        for claim in summary.claims:
            rows.append(
                (
                    summary.file,
                    claim.invoice_number or claim.claim_id,
                    claim.disposition,
                    demo.main_findings(claim.findings) or "-",
                )
            )
    print_table("Claims intake demo", ["File", "Claim / invoice", "Disposition", "Main findings"], rows)
