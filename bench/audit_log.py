"""Benchmark of the verifiable audit log: append rate, proof latency, full verification.

    python bench/audit_log.py [--events 1000000] [--batch 10000] [--proofs 2000]

Appends --events audit events in transactions of --batch events each (audit.service.record_many:
the events, their leaves and the subtree nodes), publishes a signed checkpoint, then times
--proofs inclusion and consistency proofs read from storage at random sizes of the full log,
and a full `verify_log` of it. SQLite in a temporary directory unless QORGAU_DATABASE_URL
names an empty database. Goals (issue 6): >= 10,000 events/s in batches; proofs <= 1 ms p95 at
1M leaves.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

console = Console()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qorgau-audit-bench-"))
    os.environ["QORGAU_DATA_DIR"] = str(tmp)
    url = os.environ.get("QORGAU_DATABASE_URL") or f"sqlite:///{tmp / 'qorgau.sqlite3'}"
    os.environ["QORGAU_DATABASE_URL"] = url

    from sqlalchemy import select

    from qorgau.audit import log, merkle, transparency
    from qorgau.audit.models import AuditLeaf
    from qorgau.audit.service import Happening, record_many
    from qorgau.audit.verify import verify_log
    from qorgau.config import Settings
    from qorgau.db import make_engine, make_sessionmaker, unit_of_work, write_engine
    from qorgau.migrate import upgrade
    from qorgau.principal import system_principal

    settings = Settings()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(write_engine(engine))
    actor = system_principal("bench")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    console.print(f"machine: {machine}, Python {platform.python_version()}")
    console.print(f"database: {engine.dialect.name} ({url.split('@')[-1]})")
    console.print(
        f"data: {args.events:,} audit events in batches of {args.batch:,}; {args.proofs:,} proofs each"
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("appending", total=args.events)
        done = 0
        while done < args.events:
            n = min(args.batch, args.events - done)
            with unit_of_work(factory) as db:
                record_many(
                    db, actor, (Happening("bench.event", "case", f"case-{done + i}") for i in range(n))
                )
            done += n
            bar.update(task, completed=done)
    append_seconds = time.perf_counter() - started

    with unit_of_work(factory) as db:
        checkpoint = transparency.publish_checkpoint(db, settings)
    size, root = checkpoint.tree_size, checkpoint.root_hash

    rng = random.Random(9162)
    inclusion_ms, consistency_ms = [], []
    with unit_of_work(make_sessionmaker(engine)) as db:
        for _ in range(args.proofs):
            index = rng.randrange(size)
            t = time.perf_counter()
            proof = log.inclusion_proof(db, index, size)
            inclusion_ms.append((time.perf_counter() - t) * 1000)
            leaf = db.scalar(select(AuditLeaf.leaf_hash).where(AuditLeaf.leaf_index == index))
            assert merkle.verify_inclusion(leaf, index, size, proof, root)
        for _ in range(args.proofs):
            first = rng.randrange(1, size)
            t = time.perf_counter()
            proof = log.consistency_proof(db, first, size)
            consistency_ms.append((time.perf_counter() - t) * 1000)
        assert merkle.verify_consistency(first, size, log.root(db, first), root, proof)

    started = time.perf_counter()
    with unit_of_work(make_sessionmaker(engine)) as db:
        verified = verify_log(db, settings.audit_log_origin, transparency.signing_key(settings).public_key())
    verify_seconds = time.perf_counter() - started
    # verify_log checked the checkpoint's root; the log has grown by the checkpoint's own event.
    assert verified.tree_size == size + 1 and verified.checkpoints == 1

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    table = Table(title=f"Audit log at {size:,} leaves ({engine.dialect.name})")
    for col in ("measure", "figure", "goal"):
        table.add_column(col)
    rate = args.events / append_seconds
    table.add_row(
        f"append (batches of {args.batch:,})",
        f"{rate:,.0f} events/s ({append_seconds:.1f} s)",
        ">= 10,000 events/s",
    )
    table.add_row(
        "inclusion proof",
        f"p50 {p(inclusion_ms, 50):.3f} ms, p95 {p(inclusion_ms, 95):.3f} ms",
        "<= 1 ms p95",
    )
    table.add_row(
        "consistency proof",
        f"p50 {p(consistency_ms, 50):.3f} ms, p95 {p(consistency_ms, 95):.3f} ms",
        "<= 1 ms p95",
    )
    table.add_row("full verification", f"{verify_seconds:.1f} s ({size / verify_seconds:,.0f} leaves/s)", "")
    console.print(table)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
