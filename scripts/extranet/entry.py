"""The console script: Ctrl-C while the command is still loading ends quietly too (exit 130, no traceback)."""

import sys


def main() -> None:
    try:
        from .cli import main as command
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    command()
