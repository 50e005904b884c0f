"""Case management at scale: bulk-load synthetic cases into PostgreSQL, then time the case
endpoints over HTTP against the real server.

    python bench/cases.py [--cases 1000000] [--database-url URL] [--requests 200]

1. Drops and recreates the database of --database-url (default
   postgresql+psycopg://postgres@127.0.0.1:5432/qorgau_bench: give one you can lose), migrates
   it, loads the demo agencies and users, and bulk-loads --cases synthetic cases
   (qorgau.demo.bulk, seed --seed) with a temporary data directory's keyring; prints the load
   rate and the size of the tables; then CHECKPOINT and sync, so that writing out the load does
   not happen during the measurement.
2. Creates API tokens for the demo users `caseworker` and `supervisor` (both of the crisis centre
   KZ-NGO-ALA, which owns half of the Kazakh cases), starts `python -m qorgau serve` on a free
   loopback port with the same database and data directory, and waits for /healthz.
3. Sends --requests requests of each kind, one after the other on one keep-alive connection
   (httpx), after a few unmeasured ones, and prints p50/p95/p99 against the goals:
   - list:   GET /api/v1/cases?status=potential_victim as the supervisor (first page)   p95 <= 100 ms
   - search: POST /api/v1/cases/search {"name": <Latin spelling of a loaded person>}     p95 <= 50 ms
   - view:   GET /api/v1/cases/{id}, cases of the supervisor's agency                    p95 <= 50 ms
   - create: POST /api/v1/cases as the case worker (a new synthetic person)              p95 <= 100 ms
4. Stops the server and drops the database (unless --keep: then the database and the data
   directory stay, and --reuse runs step 2 and 3 again on them without loading).

Exit status 1 if a request failed or set-up failed; 0 otherwise, also when a goal is missed (it
says so). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HOST = "127.0.0.1"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/qorgau_bench"
GOALS_MS = {"list": 100.0, "search": 50.0, "view": 50.0, "create": 100.0}
WARMUP = 10
NAME_POOL = 20_000  # names to search for: people of the first cases loaded
STATE_FILE = "bench-state.txt"  # in the data directory: the seed and day of the load, for --reuse

console = Console(width=None if sys.stdout.isatty() else 120, soft_wrap=True)


class SetupError(Exception):
    pass


# --- the database --------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        raise SetupError("--database-url must name a PostgreSQL database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        admin.dispose()


def load(url: str, data_dir: Path, count: int, seed: int, batch: int, today: date) -> None:
    from qorgau import demo
    from qorgau.app import wire_rooms
    from qorgau.config import Settings
    from qorgau.db import make_engine, make_sessionmaker, unit_of_work, write_engine
    from qorgau.demo.bulk import load_synthetic_cases
    from qorgau.migrate import upgrade
    from qorgau.principal import system_principal

    wire_rooms()
    settings = Settings(data_dir=data_dir, database_url=url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with unit_of_work(make_sessionmaker(write_engine(engine))) as db:
            # The accounts never sign in with a password (API tokens do): a throw-away one.
            demo.load(db, system_principal("bench"), secrets.token_urlsafe(24) + "-Aa1")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        started = time.perf_counter()
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("loading cases", total=count)
            done = load_synthetic_cases(
                engine,
                settings,
                count,
                seed=seed,
                batch=batch,
                today=today,
                progress=lambda n: bar.update(task, completed=n),
                actor=system_principal("bench"),
            )
        seconds = time.perf_counter() - started
        console.print(
            f"loaded [bold]{done:,}[/bold] cases in {seconds:,.1f} s: "
            f"[bold]{done / seconds:,.0f} cases/s[/bold] "
            f"(batches of {batch:,}, COPY; VACUUM ANALYZE included)"
        )
        with engine.connect() as conn:
            sizes = conn.execute(
                text(
                    "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) "
                    "FROM pg_class c WHERE c.relname IN ('nrm_persons', 'nrm_person_keys', 'nrm_cases', "
                    "'nrm_plan_items') ORDER BY 3 DESC"
                )
            ).all()
            total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        console.print(
            "tables (rows as ANALYZE estimates them; size with indexes): "
            + ", ".join(f"{name} {rows:,} rows {size / 2**20:,.0f} MiB" for name, rows, size in sizes)
            + f"; database {total / 2**20:,.0f} MiB"
        )
    finally:
        engine.dispose()


def checkpoint(url: str) -> None:
    """Write out what the load left in memory (gigabytes) before measuring: otherwise the
    checkpointer and the kernel flush it during the measurement, and every request's commit
    waits behind them on the disk."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
        os.sync()
        console.print(f"CHECKPOINT and sync before measuring: {time.perf_counter() - started:,.1f} s")
    except Exception as exc:  # e.g. a role without pg_checkpoint: measure anyway, and say so
        console.print(f"[yellow]no CHECKPOINT before measuring ({type(exc).__name__}: {exc})[/yellow]")
    finally:
        engine.dispose()


def tokens_and_targets(url: str, data_dir: Path, requests: int, seed: int) -> dict[str, Any]:
    """API tokens for the case worker and the supervisor, and the cases to view."""
    from sqlalchemy import func, select

    from qorgau.auth import service
    from qorgau.auth.models import User
    from qorgau.db import make_engine, make_sessionmaker, unit_of_work
    from qorgau.nrm.models import Case
    from qorgau.principal import system_principal

    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as db:
            actor = system_principal("bench")
            tokens = {}
            for username in ("caseworker", "supervisor"):
                user = service.get_user_by_username(db, actor, username)
                _token, tokens[username] = service.create_api_token(db, actor, user, "bench")
            agency_id = db.scalar(select(User.agency_id).where(User.username == "supervisor"))
            total = db.scalar(select(func.count()).select_from(Case)) or 0
            own = (
                db.scalar(select(func.count()).select_from(Case).where(Case.owner_agency_id == agency_id))
                or 0
            )
            # Random cases of the supervisor's agency (a sample of the table, not only the newest).
            view_ids = list(
                db.scalars(
                    select(Case.id)
                    .where(Case.owner_agency_id == agency_id)
                    .order_by(func.md5(func.concat(Case.id, str(seed))))
                    .limit(requests)
                )
            )
            # Which of the first cases loaded are the supervisor's: ids are time-ordered, so the
            # k-th case by id is the k-th case the generator gave.
            first_owned = [
                owner == agency_id
                for owner in db.scalars(select(Case.owner_agency_id).order_by(Case.id).limit(NAME_POOL))
            ]
    finally:
        engine.dispose()
    return {"tokens": tokens, "view_ids": view_ids, "first_owned": first_owned, "total": total, "own": own}


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(url: str, data_dir: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, QORGAU_DATABASE_URL=url, QORGAU_DATA_DIR=str(data_dir), QORGAU_LOG_LEVEL="WARNING")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "qorgau", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=2, trust_env=False).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SetupError(f"the server did not answer /healthz within 60 s:\n{log_path.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --- the requests --------------------------------------------------------------------------------


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest rank."""
    rank = max(1, min(len(sorted_ms), round(q / 100 * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def process_cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) the processes have used so far (Linux)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes of the connections to the database (the server's pool)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()


def measure(
    client: httpx.Client,
    make: Callable[[int], tuple[str, str, Any]],
    n: int,
    check: Callable[[Any], bool],
    server_pid: int,
    url: str,
) -> dict[str, Any]:
    """Warm-up, then n requests: make(i) gives (method, path, json body)."""
    for i in range(WARMUP):
        method, path, body = make(n + i)
        client.request(method, path, json=body)
    times: list[float] = []
    bad: dict[str, int] = {}
    hits = 0
    backends = database_backends(url)
    server_cpu, db_cpu = process_cpu_s([server_pid]), process_cpu_s(backends)
    # This process's garbage collector waits: its pauses are not the server's latency.
    gc.collect()
    gc.disable()
    try:
        for i in range(n):
            method, path, body = make(i)
            started = time.perf_counter()
            response = client.request(method, path, json=body)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 201):
                key = f"{response.status_code} {response.text[:120]}"
                bad[key] = bad.get(key, 0) + 1
            elif check(response.json()):
                hits += 1
    finally:
        gc.enable()
    server_cpu = process_cpu_s([server_pid]) - server_cpu
    db_cpu = process_cpu_s(backends) - db_cpu
    times.sort()
    return {
        "n": n,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": times[-1],
        "bad": bad,
        "hits": hits,
        # CPU per request: what the work costs, apart from waiting for a core
        "server_cpu_ms": server_cpu * 1000 / n,
        "db_cpu_ms": db_cpu * 1000 / n,
    }


def run_requests(
    base: str, server_pid: int, targets: dict[str, Any], args: argparse.Namespace, today: date
) -> dict[str, Any]:
    from qorgau.demo.bulk import intake
    from qorgau.demo.synthetic import generate_cases

    rng = random.Random(args.seed)
    # People who exist, and whose cases the supervisor sees: the generator gives the same people
    # for the same seed and day, in the order they were loaded.
    first = islice(generate_cases(args.cases, seed=args.seed, today=today), NAME_POOL)
    pool = [c for c, owned in zip(first, targets["first_owned"], strict=False) if owned]
    if not pool:
        raise SetupError("none of the first cases loaded is the supervisor's")
    names = [
        f"{c.person.given_name_latin} {c.person.family_name_latin}"
        for c in rng.sample(pool, min(len(pool), args.requests + WARMUP))
    ]
    new_people = [
        intake(c, acknowledge_possible_duplicate=True).model_dump(mode="json")
        for c in generate_cases(args.requests + WARMUP, seed=args.seed + 1, today=today)
    ]
    view_ids = [str(i) for i in targets["view_ids"]]
    if not view_ids:
        raise SetupError("the supervisor's agency owns no case")

    def headers(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {targets['tokens'][user]}", "Accept": "application/json"}

    results = {}
    timeout = httpx.Timeout(60.0)
    with (
        httpx.Client(base_url=base, headers=headers("supervisor"), timeout=timeout, trust_env=False) as sup,
        httpx.Client(
            base_url=base, headers=headers("caseworker"), timeout=timeout, trust_env=False
        ) as worker,
    ):
        console.print("measuring list ...")
        results["list"] = measure(
            sup,
            lambda i: ("GET", "/api/v1/cases?status=potential_victim", None),
            args.requests,
            lambda body: len(body["items"]) > 0,
            server_pid,
            args.database_url,
        )
        console.print("measuring search ...")
        results["search"] = measure(
            sup,
            lambda i: ("POST", "/api/v1/cases/search", {"name": names[i % len(names)]}),
            args.requests,
            lambda body: len(body["items"]) > 0,
            server_pid,
            args.database_url,
        )
        console.print("measuring view ...")
        results["view"] = measure(
            sup,
            lambda i: ("GET", f"/api/v1/cases/{view_ids[i % len(view_ids)]}", None),
            args.requests,
            lambda body: body["access"] == "full",
            server_pid,
            args.database_url,
        )
        console.print("measuring create ...")
        results["create"] = measure(
            worker,
            lambda i: ("POST", "/api/v1/cases", new_people[i % len(new_people)]),
            args.requests,
            lambda body: body["status"] == "reported",
            server_pid,
            args.database_url,
        )
    return results


def report(results: dict[str, Any]) -> bool:
    descriptions = {
        "list": "list    GET /cases?status=potential_victim",
        "search": "search  POST /cases/search {name}",
        "view": "view    GET /cases/{id}",
        "create": "create  POST /cases",
    }
    hit_label = {"list": "non-empty", "search": "found any", "view": "full access", "create": "reported"}
    table = Table(title="Case endpoints over HTTP (sequential requests, one keep-alive connection each)")
    for col, justify in (
        ("request", "left"),
        ("n", "right"),
        ("p50 ms", "right"),
        ("p95 ms", "right"),
        ("p99 ms", "right"),
        ("max ms", "right"),
        ("CPU ms/req", "right"),
        ("goal p95", "right"),
        ("", "left"),
        ("answers", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    ok = True
    for kind, r in results.items():
        met = r["p95"] <= GOALS_MS[kind]
        bad = sum(r["bad"].values())
        ok = ok and not bad
        table.add_row(
            descriptions[kind],
            str(r["n"]),
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['max']:.1f}",
            f"{r['server_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f}",
            f"<= {GOALS_MS[kind]:.0f}",
            "[green]met[/green]" if met else "[yellow]MISSED[/yellow]",
            f"{r['hits']}/{r['n']} {hit_label[kind]}" + (f", [red]{bad} failed[/red]" if bad else ""),
        )
    console.print(table)
    console.print(
        "paths under /api/v1; list, search and view as the supervisor, create as the case worker; "
        "CPU ms/req: the server process + its PostgreSQL connections, per request (the rest of the "
        "latency is waiting: for the disk, or for a core the machine's other work holds)"
    )
    for kind, r in results.items():
        for problem, n in r["bad"].items():
            console.print(f"[red]{kind}: {n} x {problem}[/red]")
    return ok


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to load (default 1,000,000)")
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"dropped and recreated (default {DEFAULT_URL})"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="measured requests of each kind (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic cases (default 0)")
    parser.add_argument("--batch", type=int, default=10_000, help="cases per transaction (default 10,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the data directory")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on a kept database and --data-dir"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.requests < 1 or args.batch < 1:
        parser.error("--cases, --requests and --batch must be positive")
    if args.reuse and not args.data_dir:
        parser.error("--reuse needs the --data-dir of the kept run")

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="qorgau-cases-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    server = None
    try:
        load_avg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        console.print(
            f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; load average before the run: {load_avg} "
            "(other work on the machine skews the figures)"
        )
        console.print(
            f"database: {make_url(url).render_as_string(hide_password=True)}; data directory {data_dir}"
        )
        state = data_dir / STATE_FILE
        if args.reuse:
            seed, day, cases = state.read_text().split()
            args.seed, today, args.cases = int(seed), date.fromisoformat(day), int(cases)
            console.print(
                f"reusing the loaded database: {args.cases:,} cases, seed {args.seed}, loaded on {today}"
            )
        else:
            today = date.today()
            console.print(f"data: demo agencies and users, {args.cases:,} synthetic cases (seed {args.seed})")
            recreate_database(url)
            load(url, data_dir, args.cases, args.seed, args.batch, today)
            state.write_text(f"{args.seed} {today.isoformat()} {args.cases}\n")
        checkpoint(url)
        targets = tokens_and_targets(url, data_dir, args.requests, args.seed)
        console.print(
            f"the supervisor's agency (KZ-NGO-ALA) owns {targets['own']:,} of {targets['total']:,} cases; "
            f"{args.requests} measured requests of each kind after {WARMUP} unmeasured ones"
        )
        server, base = start_server(url, data_dir, data_dir / "server.log")
        console.print(f"server: python -m qorgau serve (1 uvicorn process) at {base}")
        results = run_requests(base, server.pid, targets, args, today)
        ok = report(results)
        if not ok:
            return 1
        return 0
    except SetupError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("interrupted; cleaning up")
        return 130
    finally:
        stop_server(server)
        if args.keep or args.reuse:
            console.print(f"kept: the database and --data-dir {data_dir}")
        else:
            drop_database(url)
            if not args.data_dir:
                shutil.rmtree(data_dir, ignore_errors=True)


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # so SIGTERM cleans up like Ctrl+C


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _sigterm)
    sys.exit(main())
