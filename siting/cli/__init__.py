"""The ``siting`` command line: a thin dispatcher over the package's functions.

Each subcommand lives in its own module under ``siting.cli`` and exposes
``register(subparsers)``; it parses arguments and calls the same functions the
app uses. Package errors (:class:`siting.core.errors.SitingError`) are printed as
plain messages with exit code 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from siting import __version__
from siting.core.errors import SitingError

__all__ = ["build_parser", "main"]

#: Subcommand modules, in the order they appear in ``siting --help``.
_COMMAND_MODULES: tuple[str, ...] = (
    "siting.cli.layers_cmd",
    "siting.cli.demo_cmd",
    "siting.cli.learn_cmd",
    "siting.cli.outcomes_cmd",
    "siting.cli.sites_cmd",
    "siting.cli.score_cmd",
    "siting.cli.profiles_cmd",
    "siting.cli.surface_cmd",
    "siting.cli.report_cmd",
    "siting.cli.backtest_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="siting",
        description="Site selection for large industrial establishments in Swedish municipalities.",
    )
    parser.add_argument("--version", action="version", version=f"siting {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SitingError as exc:
        # commands with a message language (the workspace's) answer in it; others in English
        print(f"error: {exc.text(getattr(args, 'error_lang', 'en'))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. ``siting outcomes list | head``): not an error.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
