"""`claims-intake` command line: one module per verb, each with `register(subparsers)`.

The runtime package carries the verbs that work on files (catalog, extract, check) and operations
(publish-page, replay-dlq). Verbs that need the development kit (demo, serve: the local AWS stack) are
found through the `claims_intake.commands` entry point group, so they are there when the development
package is installed and absent from what Lambda ships.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, entry_points, version
from types import ModuleType

from . import (
    catalog_cmd,
    check_cmd,
    encounters_cmd,
    extract_cmd,
    publish_page_cmd,
    remittance_cmd,
    replay_dlq_cmd,
    sftp_user_cmd,
)
from .output import print_json

RUNTIME_COMMANDS: list[ModuleType] = [
    catalog_cmd,
    extract_cmd,
    check_cmd,
    encounters_cmd,
    remittance_cmd,
    publish_page_cmd,
    replay_dlq_cmd,
    sftp_user_cmd,
]
COMMAND_GROUP = "claims_intake.commands"


def commands() -> list[ModuleType]:
    """The runtime verbs, then those installed packages add (sorted by entry point name)."""
    added = sorted(entry_points(group=COMMAND_GROUP), key=lambda point: point.name)
    return RUNTIME_COMMANDS + [point.load() for point in added]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claims-intake",
        description="Medi-Cal ECM and Community Supports claims intake: catalog, extract, check, demo, serve.",
    )
    parser.add_argument("--version", action="version", version=f"claims-intake {installed_version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for command in commands():
        command.register(verbs)
    return parser


def installed_version() -> str:
    try:
        return version("claims-intake")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown (not installed)"


EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
NO_TESSERACT = (
    "Tesseract OCR is not installed, and scans are read with it: `make setup` installs it "
    "(Debian/Ubuntu: sudo apt-get install tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev "
    "pkg-config g++, then pip install --no-binary tesserocr tesserocr). Spreadsheets need no OCR."
)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the provider's business
    try:
        return args.run(args) or 0
    except BrokenPipeError:  # `... | head` stopped reading: nothing is wrong, and nothing more can be printed
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # never a traceback for a user; CLAIMS_INTAKE_DEBUG=1 shows it
        if os.environ.get("CLAIMS_INTAKE_DEBUG"):
            raise
        code, message = _explain(args.verb, error)
        if getattr(args, "format", None) == "json":
            _print_quietly(lambda: print_json({"errors": [{"code": code, "message": message}]}))
        else:
            print(f"error: {message}", file=sys.stderr)
        return EXIT_INTERNAL


def _explain(verb: str, error: Exception) -> tuple[str, str]:
    if type(error).__name__ == "TesseractMissing":  # ocr/engine.py, not imported here: the CLI starts without it
        return "ocr_unavailable", f"{NO_TESSERACT} ({str(error).split(':')[0]})"
    return "internal_error", f"{verb} failed: {type(error).__name__}: {error}".splitlines()[0][:500]


def _print_quietly(write) -> None:
    try:
        write()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise BrokenPipeError again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
