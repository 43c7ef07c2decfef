"""The dispatcher: every subcommand has --help, errors exit 2 without a traceback,
and a closed pipe is not an error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from siting.cli import _COMMAND_MODULES, build_parser, main


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_every_registered_module_adds_a_subcommand():
    assert len(_subcommands()) >= len(_COMMAND_MODULES)


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "usage: siting" in capsys.readouterr().out


def test_package_error_exits_2_with_plain_message(capsys):
    code = main(["layers", "--catalog", "no_such_catalogue"])
    err = capsys.readouterr().err
    assert code == 2
    error_lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1
    assert "no such catalogue" in error_lines[0]
    assert "Traceback" not in err


def test_closed_pipe_is_not_a_traceback():
    proc = subprocess.run(
        f"{sys.executable} -m siting profiles show battery_plant | head -c 10",
        shell=True, capture_output=True, text=True, timeout=60, check=False,
    )
    assert "Traceback" not in proc.stderr
    assert len(proc.stdout) == 10
