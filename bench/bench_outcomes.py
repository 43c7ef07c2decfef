"""Benchmark the outcome log: bulk upserts, listing, and file round trips.

Prints wall-clock seconds for N cases (copies of the fictional demo cases with
new ids) on SQLite, and on PostgreSQL when ``--pg URL`` is given (a throw-away
schema is created and dropped). Everything is written to a temporary directory.

Usage::

    .venv/bin/python bench/bench_outcomes.py --cases 2000
    .venv/bin/python bench/bench_outcomes.py --pg postgresql+psycopg://siting:siting@localhost/siting_test
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from siting.outcomes import OutcomeStore, export_cases, read_cases
from siting.outcomes.seed import demo_cases


def _timed(label: str, func, *args, **kwargs):  # noqa: ANN001, ANN202 - bench helper
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"  {label:<34} {time.perf_counter() - start:8.2f} s")
    return result


def _bench_store(name: str, url: str, cases: list) -> list:
    print(f"{name}:")
    store = _timed("open + migrate", OutcomeStore.open, url)
    try:
        _timed(f"upsert {len(cases)} new cases", store.upsert_many, cases, user="bench")
        _timed(f"upsert {len(cases)} unchanged (no-op)", store.upsert_many, cases, user="bench")
        listed = _timed(f"list {len(cases)} cases", store.list)
        first = listed[0]
        _timed("update one case", store.update, dataclasses.replace(first, title="changed"),
               user="bench")
        _timed("history of one case", store.history, first.case_id)
        return listed
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (optional)")
    args = parser.parse_args()
    base = demo_cases()
    cases = [dataclasses.replace(base[i % len(base)], case_id=f"BENCH-{i:06d}")
             for i in range(args.cases)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        listed = _bench_store("SQLite", str(folder / "bench.sqlite"), cases)
        if args.pg:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in args.pg else "?"
                _bench_store("PostgreSQL/PostGIS",
                             f"{args.pg}{sep}options={quote(f'-csearch_path={schema},public')}",
                             cases)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        print("files:")
        for suffix in (".csv", ".xlsx", ".gpkg"):
            path = folder / f"cases{suffix}"
            _timed(f"export {len(listed)} to {suffix}", export_cases, listed, path)
            back = _timed(f"read + validate {suffix}", read_cases, path)
            assert back == listed, f"{suffix} round trip changed the cases"
            print(f"  {suffix} size {path.stat().st_size / 1e6:.1f} MB, round trip identical")


if __name__ == "__main__":
    main()
