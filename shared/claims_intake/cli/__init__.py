"""`claims-intake` command line: one module per verb, each with `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys

from . import catalog_cmd, check_cmd, extract_cmd

COMMANDS = [catalog_cmd, extract_cmd, check_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claims-intake",
        description="Medi-Cal ECM and Community Supports claims intake: catalog, extract, check, demo, serve.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for command in COMMANDS:
        command.register(verbs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
