"""Benchmark a large CSV import into the outcome log: time and peak memory.

Writes a CSV of ``--rows`` fictional cases (default 2 000 000), then imports it
with :func:`siting.outcomes.import_file` into a fresh SQLite log, or a fresh
PostgreSQL schema with ``--pg URL``: a fast pass counts the rows, then every row
is validated and the good ones written by the bulk path (SQLAlchemy Core
executemany per batch of 2 000, all in one transaction, a revision row with its
field digests and chained hash per case). On PostgreSQL the import runs as a
real non-superuser *editor* role of a fresh organisation, so the row-level
security policies check every inserted row (``--pg-owner`` imports as the
connecting owner instead). A *plain* baseline reads the same file with
:mod:`csv` and inserts the raw rows with ``sqlite3.executemany`` into one table
(no validation, no audit trail): the floor any importer pays. Each stage runs
in its own process, interleaved (plain, siting, plain, siting when
``--repeat 2``), so each peak RSS is its own.

Usage::

    .venv/bin/python bench/bench_import.py --rows 2000000
    .venv/bin/python bench/bench_import.py --rows 20000 --pg postgresql+psycopg://siting:siting@localhost/siting_test

Target (issue 13): 2 M rows import within 2 GB peak memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

_INDUSTRIES = ("battery", "steel", "data_center", "other")
_OUTCOMES = ("won", "lost", "withdrawn")
_LEVELS = ("public", "network", "internal")


def write_csv(path: Path, rows: int) -> None:
    """A CSV with ``rows`` valid fictional cases in real kommuner (the store checks the code)."""
    from siting.outcomes.field_checks import known_kommunkoder

    codes = sorted(known_kommunkoder()[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "title", "industry", "kommunkod", "outcome", "year_decided",
                    "confidentiality", "is_fictional", "notes", "soft_responsiveness",
                    "metric_dist_rail_m"])
        for i in range(rows):
            w.writerow([f"BENCH-{i:08d}", f"Bench case {i}", _INDUSTRIES[i % 4],
                        codes[i % len(codes)], _OUTCOMES[i % 3], 2000 + i % 25,
                        _LEVELS[i % 3], "true", "fictional benchmark row", 1 + i % 5,
                        (i * 37) % 20_000])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stage_siting(csv_path: Path, url: str) -> dict[str, float]:
    from siting.outcomes import OutcomeStore, import_file

    store = OutcomeStore.open(url)
    log = os.environ.get("BENCH_PROGRESS_LOG")
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:  # every ~100 000 cases, to a side file
        if log and (done % 100_000 < 2_000 or done == total):
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{done:>9,} / {total:,} written  {time.perf_counter() - start:7.0f} s"
                         f"  cpu {time.process_time():7.0f} s  peak RSS {_peak_mb():6.0f} MB\n")

    try:
        server = _server_cpu(store)
        wall, cpu = time.perf_counter(), time.process_time()
        report = import_file(store, csv_path, progress=progress)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = _server_cpu(store)
        server_s = after[1] - server[1] if after[0] == server[0] and after[0] else float("nan")
        return {"rows": len(report.created), "wall_s": wall, "cpu_s": cpu,
                "server_cpu_s": server_s, "peak_rss_mb": _peak_mb()}
    finally:
        store.close()


def _server_cpu(store: object) -> tuple[int, float]:
    """PostgreSQL only: the backend process of the store's (pooled) connection and its CPU
    seconds so far, read from ``/proc`` (the server runs on this machine); (0, nan) else."""
    from sqlalchemy import text

    if getattr(store, "dialect", "") != "postgresql":
        return 0, float("nan")
    with store.transaction(write=False) as (session, _access):  # type: ignore[attr-defined]
        pid = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, float("nan")
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stage_plain(csv_path: Path, db: Path) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    con = sqlite3.connect(db)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        con.execute(f"CREATE TABLE plain ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
        marks = ", ".join("?" * len(header))
        n = 0
        while batch := [row for _, row in zip(range(10_000), reader, strict=False)]:
            con.executemany(f"INSERT INTO plain VALUES ({marks})", batch)
            n += len(batch)
    con.commit()
    con.close()
    return {"rows": n, "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "peak_rss_mb": _peak_mb()}


def _child(stage: str, csv_path: Path, target: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--stage", stage, "--csv", str(csv_path),
                          "--target", target], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


_EDITOR_PASSWORD = "bench-editor-pw"


def _pg_schema_url(base: str, as_editor: bool) -> tuple[str, str, str | None]:
    """A fresh schema (and, ``as_editor``, an organisation with an editor role):
    the URL to import with, the schema and the editor role to drop afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from siting.outcomes import OutcomeStore, people

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    owner = f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"
    if not as_editor:
        return owner, schema, None
    role = f"bench_editor_{schema[6:]}"
    with OutcomeStore.open(owner) as store:
        people.add_organisation(store, "bench-kommun", "Bench kommun")
        people.add_user(store, role, "bench-kommun", "editor", password=_EDITOR_PASSWORD)
    url = make_url(owner).set(username=role, password=_EDITOR_PASSWORD)
    return url.render_as_string(hide_password=False), schema, role


def _drop_schema(base: str, schema: str, role: str | None) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if role:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--pg-owner", action="store_true",
                        help="import as the connecting owner (no row-level security)")
    parser.add_argument("--stage", choices=("siting", "plain", "csv"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "csv":  # its own process: the parent stays small (ru_maxrss is inherited)
        write_csv(Path(args.csv), int(args.target))
        print(json.dumps({}))
        return
    if args.stage:
        fn = stage_siting if args.stage == "siting" else stage_plain
        target = args.target if args.stage == "siting" else Path(args.target)
        print(json.dumps(fn(Path(args.csv), target)))
        return
    results: dict[str, list[dict[str, float]]] = {"plain": [], "siting": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "cases.csv"
        start = time.perf_counter()
        _child("csv", csv_path, str(args.rows))
        size_mb = csv_path.stat().st_size / 1e6
        print(f"wrote {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - start:.1f} s"
              f"; load average {os.getloadavg()[0]:.1f}")
        for k in range(args.repeat):
            results["plain"].append(_child("plain", csv_path, str(folder / f"plain{k}.sqlite")))
            schema = role = None
            if args.pg:
                url, schema, role = _pg_schema_url(args.pg, not args.pg_owner)
            else:
                url = f"sqlite:///{folder / f'siting{k}.sqlite'}"
            try:
                results["siting"].append(_child("siting", csv_path, url))
            finally:
                if schema:
                    _drop_schema(args.pg, schema, role)
            for name in ("plain", "siting"):
                r = results[name][-1]
                server = f"  server cpu {r['server_cpu_s']:6.1f} s" if "server_cpu_s" in r \
                    and args.pg else ""
                print(f"  {name:<7} {r['rows']:>10,.0f} rows  wall {r['wall_s']:8.1f} s  "
                      f"cpu {r['cpu_s']:8.1f} s  peak RSS {r['peak_rss_mb']:7.0f} MB  "
                      f"({r['rows'] / r['wall_s']:,.0f} rows/s){server}")
    best = {k: min(v, key=lambda r: r["wall_s"]) for k, v in results.items()}
    summary = {"rows": args.rows, "csv_mb": round(size_mb, 1),
               "backend": "postgresql" if args.pg else "sqlite",
               "as": ("owner" if args.pg_owner else "editor (RLS)") if args.pg else "file owner",
               "siting_wall_s": round(best["siting"]["wall_s"], 1),
               "siting_cpu_s": round(best["siting"]["cpu_s"], 1),
               "siting_peak_rss_mb": round(best["siting"]["peak_rss_mb"]),
               "siting_server_cpu_s": round(best["siting"].get("server_cpu_s", 0.0), 1)
               if args.pg else None,
               "plain_wall_s": round(best["plain"]["wall_s"], 1),
               "plain_peak_rss_mb": round(best["plain"]["peak_rss_mb"]),
               "within_2gb": best["siting"]["peak_rss_mb"] <= 2048}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
