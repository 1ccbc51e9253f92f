"""The pure package's command-line tools: one subcommand per tool other systems call.

`boligstoette run` (which needs Dagster) is added by `orchestration.cli`, the installed console
script, so this package never names the Dagster layer.
"""

import argparse
import importlib
import sys

# Each module exposes register(subparsers), adding its subcommands with set_defaults(func=...).
# Imported lazily per module so `boligstoette calc` never pays for another tool's imports.
COMMANDS = {
    "synth": "boligstoette.synth.cli",
    "calc": "boligstoette.rules.cli",
    "explain": "boligstoette.rules.cli",
}


def build_parser(commands: dict[str, str], only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boligstoette", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in dict.fromkeys(commands.values()):
        if only is None or commands.get(only) == module_name:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None, commands: dict[str, str] = COMMANDS) -> int:
    argv = sys.argv[1:] if argv is None else argv
    only = argv[0] if argv and argv[0] in commands else None
    args = build_parser(commands, only).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
