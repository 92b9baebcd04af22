"""`claims-intake serve [--port N]`: the local stack kept running, to upload with the AWS CLI and watch.

On --web-port: the REST APIs template.yaml declares (functions' `Api` events, run in process), plus
`--static DIR` at `/` and `--app module:attribute` (a WSGI app) at `/api` (or at `/` without --static).
See docs/local.md.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from rich.console import Console

DEFAULT_PORT = 4599
DEFAULT_WEB_PORT = 8080

STAFF_PAGE_APP = "claims_intake_dev.web_server:app"  # the staff page, its config.json and the /api routes


def register(verbs) -> None:
    parser = verbs.add_parser("serve", help="keep the local stack running for uploads from the AWS CLI or the page")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"AWS endpoint port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--no-reference", action="store_true", help="do not load samples/reference/*.csv")
    parser.add_argument("--reference", type=Path, default=None, help="reference CSV folder (default samples/reference)")
    parser.add_argument("--static", type=Path, default=None, help="a folder to serve at / on --web-port")
    parser.add_argument(
        "--app",
        default=STAFF_PAGE_APP,
        help=f"a WSGI app 'module:attribute' to serve on --web-port (default: the staff page, {STAFF_PAGE_APP})",
    )
    parser.add_argument(
        "--web-port", type=int, default=DEFAULT_WEB_PORT, help=f"port of the page and API (default {DEFAULT_WEB_PORT})"
    )
    parser.add_argument("--template", type=Path, default=None, help="the SAM template (default: the project's)")
    parser.add_argument(
        "--logs",
        type=Path,
        default=Path("out/lambda.log"),
        help="file for the functions' log lines (default out/lambda.log)",
    )
    parser.add_argument("--once", action="store_true", help="start, print the endpoints and stop (a smoke test)")
    parser.set_defaults(run=run)


EXIT_PORT_IN_USE = 2
# Once the stack is up, Ctrl-C only asks the watch loop to stop: an exception raised into the main thread in the
# middle of a client call (a lock held, a pooled connection half used) could leave the teardown waiting forever.
_watching = threading.Event()
_stopping = threading.Event()


def run(args) -> int:
    from ..local.stack import port_in_use

    # Checked before anything starts: moto's server, started on a busy port, would wait forever.
    for option, port in (("--port", args.port), ("--web-port", args.web_port)):
        if port_in_use(args.host, port):
            print(
                f"error: port {port} on {args.host} is in use (another `claims-intake serve`?): stop what uses it "
                f"or pass another {option}",
                file=sys.stderr,
            )
            return EXIT_PORT_IN_USE
    # Ctrl-C and `kill` stop it cleanly, once: the first signal interrupts, later ones are ignored from that moment
    # (a second Ctrl-C landing before the teardown began would have skipped it and left the stack's threads running).
    _watching.clear()
    _stopping.clear()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    console = Console(file=sys.stdout)  # keeps this stream while handlers' output goes to --logs
    try:
        return _serve(args, console)
    except KeyboardInterrupt:  # Ctrl-C while starting: the stack has stopped what it had started
        console.print("stopped")
        return 0


def _serve(args, console: Console) -> int:
    from ..local import demo
    from ..local.stack import DEFAULT_TEMPLATE, LocalStack
    from ..local.web import WebServer

    stack = LocalStack(
        args.template or DEFAULT_TEMPLATE, host=args.host, port=args.port, function_log=args.logs
    ).start()
    web = None
    try:
        if not args.no_reference:
            demo.load_reference(stack, args.reference or demo.REFERENCE_DIR)
        if args.static or args.app or stack.plan.api_routes:
            web = WebServer(stack, app=args.app, static_dir=args.static, host=args.host, port=args.web_port).start()
        bucket = stack.bucket()
        console.print(f"Local AWS endpoint: [bold]{stack.endpoint}[/] (region {stack.region}, any credentials)")
        console.print(f"Upload bucket:      [bold]{bucket}[/]")
        for logical_id, name in sorted(stack.plan.physical_names().items()):
            console.print(f"  {logical_id:<28} {name}", soft_wrap=True)
        console.print(f"Functions' logs:    {args.logs}")
        if web:
            console.print(f"Staff page and API: [bold]{web.url}[/]")
            for route in stack.plan.api_routes:
                console.print(f"  {route.method:<6} {web.url}{route.path}")
        console.print("\nUpload a claim (the provider's folder is its billing NPI, optionally a plan folder):")
        console.print(
            f"  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region {stack.region} "
            f"--endpoint-url {stack.endpoint} s3 cp claim.pdf s3://{bucket}/uploads/1456700016/phc/claim.pdf",
            soft_wrap=True,
        )
        if args.once:
            return 0
        console.print("\nWatching uploads (Ctrl-C to stop)...")
        _watching.set()
        _watch(console, stack, demo.store_for(stack))
    except KeyboardInterrupt:
        pass  # Ctrl-C while the stack was starting: what started is stopped below
    finally:
        if not args.once:
            console.print("stopping (a few seconds)")
        # A second Ctrl-C while stopping would cut the teardown short and print a traceback: ignore it.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if web:
                web.stop()
            stack.stop()
        finally:
            signal.signal(signal.SIGINT, previous)
    return 0


def _interrupt(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _stopping.set()
    if not _watching.is_set():  # still starting: interrupt what is starting
        raise KeyboardInterrupt


def _watch(console, stack, store) -> None:
    from ..local import demo

    reported: dict[str, str] = {}
    while not _stopping.is_set():
        for key, upload in sorted(demo._latest_uploads(store).items()):
            claims = [store.get_claim(claim_id) for claim_id in upload.claim_ids]
            state = f"{upload.status} " + ", ".join(
                f"{(c.output.get('elements', {}).get('invoice_number') or c.claim_id)} {c.disposition.value}/{c.status}"
                for c in claims
                if c is not None
            )
            if reported.get(key) != state:
                reported[key] = state
                console.print(f"{time.strftime('%H:%M:%S')} {key}: {state}", soft_wrap=True)
        _stopping.wait(1)
