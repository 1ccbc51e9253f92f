"""The `boligstoette` console script: one subcommand per tool other systems call."""

import argparse
import importlib
import sys

# Each module exposes register(subparsers), adding its subcommands with set_defaults(func=...).
# Imported lazily per module so `boligstoette calc` never pays for Dagster's import.
SUBCOMMAND_MODULES = {
    "synth": "boligstoette.synth.cli",
    "calc": "boligstoette.rules.cli",
    "explain": "boligstoette.rules.cli",
    "run": "orchestration.run_cli",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boligstoette", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in dict.fromkeys(SUBCOMMAND_MODULES.values()):
        if only is None or SUBCOMMAND_MODULES.get(only) == module_name:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    only = argv[0] if argv and argv[0] in SUBCOMMAND_MODULES else None
    args = build_parser(only).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
