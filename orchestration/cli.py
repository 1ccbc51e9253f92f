"""The installed `boligstoette` console script: the pure package's tools plus `run`."""

import sys

from boligstoette import cli

COMMANDS = {**cli.COMMANDS, "run": "orchestration.run_cli", "explain-case": "orchestration.explain_case"}


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
