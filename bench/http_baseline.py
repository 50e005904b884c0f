"""HTTP baseline: requests/s and latency of an unauthenticated and an authenticated endpoint.

    python bench/http_baseline.py [--seconds S] [--connections C]

Sets up a throw-away node (temporary data directory; SQLite file in it unless
QORGAU_DATABASE_URL names another, *empty* database), creates one agency, one user and one API
token, serves it with `python -m qorgau serve` on a free loopback port, and drives it from a
separate load-generator process (this script with --worker): C keep-alive HTTP/1.1 connections
sending requests back to back, one endpoint after the other, after an unmeasured warm-up.

Compares GET /api/v1/me (Bearer token: token lookup, principal, permission check, one
transaction) with GET /healthz (no auth, no database). Goal: the authenticated endpoint keeps at
least half the throughput of the bare one. Exits 1 if any response is not 200 or the set-up
fails; exits 0 otherwise, also when the goal is missed (it says so).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only, always
GOAL_RATIO = 0.5
# The worker gets the token through its environment, not its command line.
TOKEN_ENV = "QORGAU_BENCH_TOKEN"  # noqa: S105 - a variable name, not a secret
AGENCY_CODE = "KZ-BENCH"
SERVER_START_TIMEOUT_S = 60.0


# --- load generator (runs in its own process: this script with --worker) ----------------------


@dataclass
class PhaseResult:
    latencies_ns: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_ns: int = 0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None


def _build_request(path: str, port: int, token: str | None) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Accept: application/json",
        "User-Agent: qorgau-bench",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class BadResponse(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return (status, server wants to close). Content-Length bodies only."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise BadResponse("not an HTTP/1.1 status line")
    status = int(head[9:12])
    lower = head.lower()
    pos = lower.find(b"\r\ncontent-length:")
    if pos < 0:
        raise BadResponse("response without Content-Length")
    end = lower.index(b"\r\n", pos + 2)
    length = int(lower[pos + 17 : end])
    if length:
        await reader.readexactly(length)
    return status, b"\r\nconnection: close\r\n" in lower


async def _connection(
    port: int, request: bytes, deadline_ns: int, result: PhaseResult, conn: list[Any]
) -> None:
    """Send requests back to back on one keep-alive connection until the deadline. `conn` holds
    the (reader, writer) pair so the next phase reuses the connection."""
    latencies = result.latencies_ns
    statuses = result.statuses
    clock = time.perf_counter_ns
    failures = 0
    while clock() < deadline_ns:
        if not conn:
            try:
                conn.extend(await asyncio.open_connection(HOST, port))
            except OSError as exc:
                key = f"connect: {type(exc).__name__}"
                result.errors[key] = result.errors.get(key, 0) + 1
                failures += 1
                if failures > 100:  # bounded: give up on a server that is gone
                    return
                await asyncio.sleep(0.01)
                continue
        reader, writer = conn
        started = clock()
        try:
            writer.write(request)
            status, close = await _read_response(reader)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            BadResponse,
            ValueError,
        ) as exc:
            key = f"{type(exc).__name__}: {exc}"[:120]
            result.errors[key] = result.errors.get(key, 0) + 1
            writer.close()
            conn.clear()
            failures += 1
            if failures > 100:
                return
            continue
        latencies.append(clock() - started)
        statuses[status] = statuses.get(status, 0) + 1
        if close:
            writer.close()
            conn.clear()


def _process_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far; Linux only, else None."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(
    port: int, request: bytes, seconds: float, conns: list[list[Any]], server_pid: int | None = None
) -> PhaseResult:
    result = PhaseResult()
    cpu0, server0 = time.process_time(), _process_cpu_s(server_pid)
    started = time.perf_counter_ns()
    deadline = started + int(seconds * 1e9)
    tasks = [_connection(port, request, deadline, result, c) for c in conns]
    # Bounded: a stuck server cannot hold the benchmark for ever.
    async with asyncio.timeout(seconds + 30):
        await asyncio.gather(*tasks)
    result.elapsed_ns = time.perf_counter_ns() - started
    result.client_cpu_s = time.process_time() - cpu0
    server1 = _process_cpu_s(server_pid)
    if server0 is not None and server1 is not None:
        result.server_cpu_s = server1 - server0
    return result


def _percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1] / 1e6


def _summary(result: PhaseResult) -> dict[str, Any]:
    lat = sorted(result.latencies_ns)
    elapsed_s = result.elapsed_ns / 1e9
    return {
        "requests": len(lat),
        "elapsed_s": elapsed_s,
        "rps": len(lat) / elapsed_s if elapsed_s else 0.0,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "errors": result.errors,
        "p50_ms": _percentile(lat, 50),
        "p95_ms": _percentile(lat, 95),
        "p99_ms": _percentile(lat, 99),
        "max_ms": lat[-1] / 1e6 if lat else float("nan"),
        # Share of one core used during the phase: shows which side was the bottleneck.
        "client_cpu_pct": 100 * result.client_cpu_s / elapsed_s if elapsed_s else None,
        "server_cpu_pct": (
            100 * result.server_cpu_s / elapsed_s if elapsed_s and result.server_cpu_s is not None else None
        ),
    }


async def _worker_main(
    port: int, path: str, connections: int, seconds: float, warmup: float, server_pid: int | None
) -> dict[str, Any]:
    request = _build_request(path, port, os.environ.get(TOKEN_ENV) or None)
    conns: list[list[Any]] = [[] for _ in range(connections)]
    try:
        warm = await _phase(port, request, warmup, conns) if warmup > 0 else PhaseResult()
        measured = await _phase(port, request, seconds, conns, server_pid)
    finally:
        for c in conns:
            if c:
                c[1].close()
    return {"path": path, "warmup": _summary(warm), "measured": _summary(measured)}


def run_worker(args: argparse.Namespace) -> int:
    loop_name = "asyncio"
    try:
        import uvloop  # the same event loop uvicorn uses, when it is installed

        runner: Any = uvloop.run
        loop_name = "uvloop"
    except ImportError:
        runner = asyncio.run
    report = runner(
        _worker_main(args.port, args.path, args.connections, args.seconds, args.warmup, args.server_pid)
    )
    report["loop"] = loop_name
    json.dump(report, sys.stdout)
    return 0


# --- orchestration -----------------------------------------------------------------------------


class SetupError(Exception):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _seed(url: str) -> tuple[str, dict[tuple[str, str], int]]:
    """Create the agency, user and token with the service layer; return the raw token and
    the row counts the server will see."""
    from sqlalchemy import func, select

    from qorgau.auth import service
    from qorgau.auth.models import Agency, AgencyKind, ApiToken, User
    from qorgau.auth.schemas import AgencyCreate, UserCreate
    from qorgau.db import make_engine, make_sessionmaker, unit_of_work
    from qorgau.errors import DomainError
    from qorgau.permissions import Role
    from qorgau.principal import system_principal

    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as db:
            actor = system_principal(request_id="bench-setup")
            service.create_agency(
                db,
                actor,
                AgencyCreate(code=AGENCY_CODE, name="Bench agency", country="KZ", kind=AgencyKind.NGO),
            )
            # A random password: the account never signs in, and the password rules refuse one
            # that contains the username.
            user, _ = service.create_user(
                db,
                actor,
                UserCreate(
                    username="bench",
                    display_name="Bench",
                    agency_code=AGENCY_CODE,
                    roles=[Role.CASE_WORKER],
                    password=secrets.token_urlsafe(24),
                ),
            )
            _tok, raw = service.create_api_token(db, actor, user, "bench")
        with unit_of_work(factory) as db:
            counts = {
                name: db.scalar(select(func.count()).select_from(model)) or 0
                for name, model in (
                    (("agency", "agencies"), Agency),
                    (("user", "users"), User),
                    (("API token", "API tokens"), ApiToken),
                )
            }
    except DomainError as exc:
        raise SetupError(
            f"creating the agency, user and token failed: {exc.detail} "
            "(QORGAU_DATABASE_URL must name an empty database)"
        ) from exc
    finally:
        engine.dispose()
    return raw, counts


def _wait_healthy(port: int, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    url = f"http://{HOST}:{port}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError(f"the server exited with {server.returncode}:\n{_tail(log_path)}")
        try:
            with opener.open(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise SetupError(
        f"the server did not answer /healthz within {SERVER_START_TIMEOUT_S:.0f} s:\n{_tail(log_path)}"
    )


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _error_lines(path: Path, limit: int = 10) -> str:
    """The distinct exception lines of the server log, with how often each occurred."""
    seen: dict[str, int] = {}
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    for line in text.splitlines():
        if line and not line[0].isspace() and ("Error" in line or "Exception" in line):
            line = re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ", "", line)  # the timestamp
            seen[line] = seen.get(line, 0) + 1
    if not seen:
        return _tail(path)
    return "\n".join(f"  {n} x {line[:200]}" for line, n in list(seen.items())[:limit])


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _run_load(
    port: int,
    server_pid: int,
    path: str,
    token: str | None,
    args: argparse.Namespace,
    procs: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    if token:
        env[TOKEN_ENV] = token
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--port",
        str(port),
        "--path",
        path,
        "--connections",
        str(args.connections),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
        "--server-pid",
        str(server_pid),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(proc)
    try:
        out, err = proc.communicate(timeout=args.warmup + args.seconds + 90)
    except subprocess.TimeoutExpired as exc:
        raise SetupError(f"the load generator for {path} did not finish") from exc
    if proc.returncode != 0:
        raise SetupError(
            f"the load generator for {path} failed ({proc.returncode}):\n{err.decode(errors='replace')}"
        )
    return json.loads(out)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _versions() -> str:
    parts = []
    for dist in ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    # Long lines stay whole when the output goes to a file or a pipe.
    console = Console(width=None if sys.stdout.isatty() else 120, soft_wrap=True)
    given_url = os.environ.get("QORGAU_DATABASE_URL")
    tmp = Path(tempfile.mkdtemp(prefix="qorgau-bench-"))
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = []
    try:
        data_dir = tmp / "data"
        url = given_url or f"sqlite:///{(data_dir / 'qorgau.sqlite3').resolve()}"
        from sqlalchemy.engine import make_url

        backend = make_url(url).get_backend_name()
        db_label = (
            "SQLite (file in the temporary data directory)"
            if not given_url
            else f"{backend} from QORGAU_DATABASE_URL"
        )
        env = dict(
            os.environ, QORGAU_DATA_DIR=str(data_dir), QORGAU_DATABASE_URL=url, QORGAU_LOG_LEVEL="WARNING"
        )
        env.pop(TOKEN_ENV, None)

        console.print(f"[bold]Qorgau HTTP baseline[/bold]  temp dir {tmp}")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
        console.print(
            f"machine: {platform.system()} {platform.release()} {platform.machine()}, "
            f"os.cpu_count()={os.cpu_count()}, Python {platform.python_version()} "
            f"({platform.python_implementation()}); load average before the run: {load} "
            "(other work on the machine skews the numbers)"
        )
        console.print(f"software: {_versions()}")
        console.print(f"database: {db_label}: {_display_url(url)}")

        subprocess.run(
            [sys.executable, "-m", "qorgau", "db", "upgrade"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        token, counts = _seed(url)
        data = ", ".join(f"{n} {singular if n == 1 else plural}" for (singular, plural), n in counts.items())

        port = _free_port()
        log_path = tmp / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "qorgau", "serve", "--host", HOST, "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_healthy(port, server, log_path)

        console.print(
            f"set-up: {backend}, {data}; server: `python -m qorgau serve` (1 uvicorn process, "
            f"log level WARNING) on {HOST}:{port}; load generator: 1 separate process, "
            f"{args.connections} keep-alive HTTP/1.1 connections; {args.warmup:g} s warm-up + "
            f"{args.seconds:g} s measured per endpoint; server and load generator share "
            "the machine"
        )

        endpoints = [
            ("GET /healthz", "/healthz", None, "none"),
            ("GET /api/v1/me", "/api/v1/me", token, "bearer"),
        ]
        results = []
        for label, path, tok, auth in endpoints:
            console.print(f"measuring {label} ...")
            report = _run_load(port, server.pid, path, tok, args, workers)
            results.append((label, auth, report))
            if server.poll() is not None:
                raise SetupError(f"the server exited during the run:\n{_tail(log_path)}")

        table = Table(
            title=f"HTTP baseline ({args.connections} connections, {args.seconds:g} s per endpoint)"
        )
        for col, justify in (
            ("endpoint", "left"),
            ("auth", "left"),
            ("requests", "right"),
            ("req/s", "right"),
            ("p50 ms", "right"),
            ("p95 ms", "right"),
            ("p99 ms", "right"),
            ("max ms", "right"),
            ("non-200", "right"),
            ("server CPU", "right"),
            ("client CPU", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        bad_total = 0
        problems = []
        for label, auth, report in results:
            m = report["measured"]
            bad = 0
            for phase in ("warmup", "measured"):
                s = report[phase]
                phase_bad = sum(v for k, v in s["statuses"].items() if k != "200") + sum(s["errors"].values())
                bad += phase_bad
                if phase_bad:
                    problems.append(f"{label} ({phase}): statuses {s['statuses']}, errors {s['errors']}")
            bad_total += bad
            table.add_row(
                label,
                auth,
                f"{m['requests']:,}",
                f"{m['rps']:,.0f}",
                f"{m['p50_ms']:.2f}",
                f"{m['p95_ms']:.2f}",
                f"{m['p99_ms']:.2f}",
                f"{m['max_ms']:.2f}",
                f"[red]{bad}[/red]" if bad else "0",
                _pct(m["server_cpu_pct"]),
                _pct(m["client_cpu_pct"]),
            )
        console.print(table)
        console.print(
            f"load generator event loop: {results[0][2].get('loop', '?')}; CPU columns: share of "
            "one core during the measured seconds (server process incl. its threads)"
        )

        healthz_rps = results[0][2]["measured"]["rps"]
        me_rps = results[1][2]["measured"]["rps"]
        ratio = me_rps / healthz_rps if healthz_rps else 0.0
        verdict = "[green]goal met[/green]" if ratio >= GOAL_RATIO else "[yellow]goal MISSED[/yellow]"
        console.print(
            f"throughput ratio GET /api/v1/me / GET /healthz: [bold]{ratio:.2f}[/bold]  "
            f"(goal: >= {GOAL_RATIO})  {verdict}"
        )

        if bad_total:
            console.print(f"[bold red]FAILED: {bad_total} responses were not 200 or failed:[/bold red]")
            for p in problems:
                console.print(f"  {p}")
            console.print(f"server log, distinct error lines:\n{_error_lines(log_path)}")
            return 1
        console.print("all responses were 200.")
        return 0
    except SetupError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        console.print(f"[bold red]error:[/bold red] {' '.join(exc.cmd[1:])} failed with {exc.returncode}")
        return 1
    except KeyboardInterrupt:
        console.print("interrupted; cleaning up")
        return 130
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=10)
        _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
        if given_url:
            console.print("note: the rows created in the database from QORGAU_DATABASE_URL were left there.")


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # so SIGTERM cleans up like Ctrl+C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="measured seconds per endpoint (default 10)"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured warm-up seconds per endpoint (default 1)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.connections < 1 or args.warmup < 0:
        parser.error("--seconds must be > 0, --connections >= 1, --warmup >= 0")
    if args.worker:
        return run_worker(args)
    signal.signal(signal.SIGTERM, _sigterm)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
