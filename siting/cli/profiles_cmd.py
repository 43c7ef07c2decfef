"""``siting profiles``: list, check and show establishment profiles.

Examples (shell)::

    siting profiles list                          # shipped profiles with their hashes
    siting profiles check my_profiles/*.toml      # validate edited copies; all problems listed
    siting profiles show data_center --lang en    # criteria, thresholds and weights

``check`` prints every problem of every file and exits with status 2 when any
file is invalid, so it can guard a CI job or a pre-commit hook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from siting.core.errors import ProfileError
from siting.core.i18n import format_number, t
from siting.criteria.profiles import available_profiles, load_profile

__all__ = ["register"]

_OP_TEXT = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<", "in": "∈"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``profiles`` command with ``list``, ``check`` and ``show``."""
    parser = subparsers.add_parser(
        "profiles", help="list, check and show establishment profiles",
        description="Establishment profiles (criteria/*.toml): what a site must offer.")
    sub = parser.add_subparsers(dest="profiles_command", metavar="SUBCOMMAND")
    sub.required = True
    lst = sub.add_parser("list", help="the shipped profiles")
    lst.add_argument("--lang", choices=("sv", "en"), default="sv")
    lst.set_defaults(func=_run_list)
    chk = sub.add_parser("check", help="validate profile files, listing every problem")
    chk.add_argument("paths", nargs="+", help="profile ids or .toml files")
    chk.set_defaults(func=_run_check)
    show = sub.add_parser("show", help="criteria, thresholds and weights of a profile")
    show.add_argument("profile", help="profile id or path to a .toml file")
    show.add_argument("--lang", choices=("sv", "en"), default="sv")
    show.set_defaults(func=_run_show)


def _run_list(args: argparse.Namespace) -> int:
    for pid in available_profiles():
        p = load_profile(pid)
        print(f"{p.id:16s} {p.name(args.lang):40s} {p.industry:12s} "
              f"{len(p.hard):2d} hard {len(p.soft):2d} soft  {p.content_hash[:12]}")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    failed = 0
    for item in args.paths:
        try:
            p = load_profile(Path(item) if item.endswith(".toml") else item)
        except ProfileError as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
            continue
        cr = f", AHP CR {p.ahp_cr:.3f}" if p.ahp_cr is not None else ""
        print(f"ok  {item}: {len(p.metrics)} metrics, {len(p.hard)} hard, "
              f"{len(p.soft)} soft{cr}, sha256 {p.content_hash[:12]}")
    return 2 if failed else 0


def _run_show(args: argparse.Namespace) -> int:
    lang = args.lang
    p = load_profile(Path(args.profile) if args.profile.endswith(".toml") else args.profile)
    print(f"{p.name(lang)} ({p.id}, {p.industry}, {p.aggregation}, "
          f"min {format_number(p.min_area_ha, lang)} ha)")
    print(p.description(lang))
    print()
    print(t("cli.hard_criteria", lang))
    for h in p.hard:
        label = h.label_sv if lang == "sv" else h.label_en
        thr = h.threshold
        shown = ", ".join(map(str, thr)) if isinstance(thr, tuple) else (
            thr if isinstance(thr, str) else format_number(thr, lang))
        print(f"  {h.id:22s} {label} {_OP_TEXT[h.op]} {shown} {h.unit}".rstrip())
    print()
    head = t("cli.soft_criteria", lang)
    print(head + (f"  AHP CR {format_number(p.ahp_cr, lang, decimals=3)}"
                  if p.ahp_cr is not None else ""))
    for s in sorted(p.soft, key=lambda c: -p.weights[c.id]):
        label = p.metric(s.metric).label(lang)
        print(f"  {s.id:22s} {format_number(100 * p.weights[s.id], lang, decimals=1):>5s} %  "
              f"{label} [{s.value_fn.kind}]")
    return 0
