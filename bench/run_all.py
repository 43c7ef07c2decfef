"""Run every ``bench/bench_*.py`` script and print their figures.

Each script runs in its own process (so peak-memory figures are its own) with
the interpreter running this script, from the repository root. Its output is
printed as it was produced; at the end a summary lists every script with its
exit code, wall time and final JSON line (when it printed one).

Usage::

    .venv/bin/python bench/run_all.py                   # every benchmark
    .venv/bin/python bench/run_all.py surface grass     # only bench_surface.py, bench_grass.py
    .venv/bin/python bench/run_all.py --timeout 1200 --list
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def scripts(only: list[str] | None = None) -> list[Path]:
    """The benchmark scripts, sorted; ``only`` filters by name (``surface`` or ``bench_surface``)."""
    found = sorted(BENCH.glob("bench_*.py"))
    if not only:
        return found
    wanted = {o.removeprefix("bench_").removesuffix(".py") for o in only}
    return [p for p in found if p.stem.removeprefix("bench_") in wanted]


def _last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            return value if isinstance(value, dict) else None
    return None


def run(path: Path, timeout_s: float) -> dict:
    """Run one script, echo its output, return a summary row."""
    print(f"\n=== {path.name} ===", flush=True)
    t0 = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, str(path)], cwd=REPO, capture_output=True,
                             text=True, timeout=timeout_s, check=False)
        code, stdout, stderr = out.returncode, out.stdout, out.stderr
    except subprocess.TimeoutExpired as exc:
        code = -1
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = f"timed out after {timeout_s:g} s"
    seconds = time.perf_counter() - t0
    print(stdout.rstrip(), flush=True)
    if code != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        print(f"[exit {code}] {tail}", flush=True)
    return {"script": path.name, "exit": code, "seconds": round(seconds, 1),
            "final": _last_json(stdout)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only these benchmarks (e.g. surface grass)")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds allowed per script (default 1800)")
    parser.add_argument("--list", action="store_true", help="list the scripts and exit")
    args = parser.parse_args()
    found = scripts(args.only)
    if args.list:
        for p in found:
            print(p.name)
        return 0
    if not found:
        print(f"no benchmark matches {args.only}; see --list")
        return 2
    rows = [run(p, args.timeout) for p in found]
    print("\n=== summary ===")
    for r in rows:
        status = "ok" if r["exit"] == 0 else f"exit {r['exit']}"
        final = json.dumps(r["final"], ensure_ascii=False) if r["final"] else ""
        if len(final) > 160:
            final = final[:157] + "..."
        print(f"{r['script']:<22} {status:<8} {r['seconds']:>7.1f} s  {final}")
    return 0 if all(r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
