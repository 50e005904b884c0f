"""The `qorgau` command."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import uuid
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from qorgau import __version__
from qorgau.analytics import cli as analytics_cli
from qorgau.auth import service
from qorgau.auth.rules import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from qorgau.auth.schemas import UserCreate
from qorgau.backup.cli import register as register_backup
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work, write_engine
from qorgau.errors import DomainError
from qorgau.i18n import _, set_locale
from qorgau.migrate import SchemaBehind, ensure_current, upgrade
from qorgau.permissions import Role
from qorgau.principal import system_principal

app = typer.Typer(
    help="Qorgau: National Referral Mechanism software against human trafficking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() says what went wrong in one line, never a traceback
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The verifiable audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
keys_app = typer.Typer(help="Keys that protect personal data at rest.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(analytics_cli.app, name="analytics")
register_backup(app, keys_app)

console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"qorgau {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


def _error_word() -> str:
    """The word before a one-line error ("error: ..."), in the node's language."""
    return escape(_("error"))


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{_error_word()}:[/red] {message}")
    return typer.Exit(code)


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    engine = make_engine(settings.resolved_database_url)
    # The CLI may run beside a live server on the same SQLite file: write like a request does.
    return engine, make_sessionmaker(write_engine(engine))


def _cli_actor():  # type: ignore[no-untyped-def]
    return system_principal(request_id=f"cli-{uuid.uuid4().hex[:12]}")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


# --- db ---------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (safe to run again)."""
    settings = Settings()
    settings.secrets  # noqa: B018 - a new node gets its keys when its database is set up
    engine, _ = _sessions(settings)
    upgrade(engine)
    console.print("The database schema is current.")


# --- serve ------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve Qorgau over HTTP. Refuses to start on a database whose schema is behind."""
    import uvicorn

    from qorgau.app import create_app

    settings = Settings()
    _configure_logging(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        ensure_current(engine)
    except SchemaBehind as exc:
        message = _(
            "The database schema is at revision %(current)s, this Qorgau needs %(head)s. "
            "Run: qorgau db upgrade"
        ) % {"current": exc.current or _("none (empty database)"), "head": exc.head}
        raise _fail(message) from None
    app_ = create_app(settings, engine=engine, background=True)
    console.print(f"Qorgau is at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        app_,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # our own access log (web/requestctx.py) leaves out query strings
        # X-Forwarded-For from QORGAU_TRUSTED_PROXIES is applied by the app (web/app.py),
        # after it has seen which peer connected (it trusts their X-Request-ID alone).
        proxy_headers=False,
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
    password: Annotated[
        str | None, typer.Option(help="Give every demo account this password instead of generated ones.")
    ] = None,
    cases: Annotated[
        int,
        typer.Option(
            "--cases",
            min=0,
            help="Also load this many synthetic cases (made-up people) owned by the demo agencies.",
        ),
    ] = 0,
) -> None:
    """Create and migrate the embedded database, load demo data into it if empty, and serve.
    With --cases N, N synthetic cases are added (also to a database that holds the demo data
    already)."""
    from qorgau import demo as demo_data

    settings = Settings()
    settings.secrets  # noqa: B018 - create the node's keys now
    engine, factory = _sessions(settings)
    upgrade(engine)
    with unit_of_work(factory) as db:
        if demo_data.is_empty(db):
            try:
                accounts = demo_data.load(db, _cli_actor(), password)
            except DomainError as exc:
                raise _fail(exc.detail) from None
        else:
            accounts = []
    if accounts:
        table = Table(title="Demo accounts (passwords are shown only now)")
        for col in ("username", "role", "agency", "password"):
            table.add_column(col)
        for a in accounts:
            table.add_row(a.username, a.role.value, a.agency_code, a.password)
        console.print(table)
        console.print("The administrator sets up two-factor sign-in (any TOTP app) at first sign-in.")
    else:
        console.print("The database already holds data; demo data was not loaded again.")
    if cases:
        _load_cases(engine, settings, cases)
    if serve_:
        serve(host="127.0.0.1", port=port)


def _live_progress() -> bool:
    """A progress bar that redraws itself only on a real terminal, never in CI logs."""
    return console.is_terminal and os.environ.get("CI", "").lower() in ("", "0", "false")


def _load_cases(engine: Engine, settings: Settings, count: int) -> None:
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from qorgau.app import wire_rooms
    from qorgau.demo.bulk import NoDemoAgencies, load_synthetic_cases

    wire_rooms()  # a case's reflection period is what the country's law (screening) sets
    console.print(f"Loading {count:,} synthetic cases ...")
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not _live_progress()) as bar:
        task = bar.add_task("synthetic cases", total=count)
        try:
            done = load_synthetic_cases(
                engine, settings, count, progress=lambda n: bar.update(task, completed=n), actor=_cli_actor()
            )
        except NoDemoAgencies as exc:
            raise _fail(str(exc)) from None
    seconds = time.perf_counter() - started
    console.print(f"Loaded {done:,} synthetic cases in {seconds:,.1f} s ({done / seconds:,.0f} cases/s).")


# --- users ------------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: str,
    agency: Annotated[str, typer.Option("--agency", help="Agency code, e.g. KZ-NGO-ALA.")],
    role: Annotated[list[Role], typer.Option("--role", help="A role; repeat for several.")],
    display_name: Annotated[str | None, typer.Option(help="Full name; defaults to the username.")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input instead of generating one."
        ),
    ] = False,
) -> None:
    """Create a user account. The password is read from standard input or generated and printed once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    settings = Settings()
    _engine, factory = _sessions(settings)
    try:
        data = UserCreate(
            username=username,
            display_name=display_name or username,
            agency_code=agency,
            roles=role,
            password=password,
        )
        with unit_of_work(factory) as db:
            user, generated = service.create_user(db, _cli_actor(), data)
            name = user.username
    except DomainError as exc:
        raise _fail(exc.detail) from None
    except ValueError as exc:  # pydantic validation
        raise _fail(str(exc)) from None
    console.print(f"Created user {name}.")
    if generated:
        console.print(f"Password (shown once): {generated}")


@users_app.command("list")
def users_list() -> None:
    """List user accounts."""
    settings = Settings()
    _engine, factory = _sessions(settings)
    table = Table()
    for col in ("username", "name", "agency", "roles", "active", "2FA"):
        table.add_column(col)
    with unit_of_work(factory) as db:
        for u in service.list_users(db, _cli_actor()):
            table.add_row(
                u.username,
                u.display_name,
                u.agency.code,
                ", ".join(sorted(u.roles)),
                "yes" if u.active else "no",
                "yes" if u.two_factor_enrolled else "no",
            )
    console.print(table)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions and tokens end now."""
    settings = Settings()
    _engine, factory = _sessions(settings)
    actor = _cli_actor()
    try:
        with unit_of_work(factory) as db:
            service.set_user_active(db, actor, service.get_user_by_username(db, actor, username), False)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Disabled {username.lower()}.")


# --- tokens -----------------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    username: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[
        int, typer.Option(help=f"Days until the token ends by itself (1-{TOKEN_MAX_DAYS}).")
    ] = TOKEN_DEFAULT_DAYS,
) -> None:
    """Create an API token for a user and print it once, with the time it ends."""
    settings = Settings()
    _engine, factory = _sessions(settings)
    actor = _cli_actor()
    try:
        with unit_of_work(factory) as db:
            user = service.get_user_by_username(db, actor, username)
            token, raw = service.create_api_token(db, actor, user, label, expires_in_days=days)
            token_id, expires_at = token.id, token.expires_at
    except DomainError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Token id: {token_id}")
    console.print(f"Expires: {expires_at.isoformat(timespec='seconds')}")
    console.print(f"Token (shown once, use as 'Authorization: Bearer <token>'): {raw}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: uuid.UUID) -> None:
    """Revoke an API token by its id."""
    settings = Settings()
    _engine, factory = _sessions(settings)
    try:
        with unit_of_work(factory) as db:
            service.revoke_api_token(db, _cli_actor(), token_id)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Revoked token {token_id}.")


# --- audit -------------------------------------------------------------------------------------


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign and keep a checkpoint of the audit log's current head, and print it."""
    from qorgau.audit import transparency

    settings = Settings()
    _engine, factory = _sessions(settings)
    with unit_of_work(factory) as db:
        note = transparency.publish_checkpoint(db, settings).note
    sys.stdout.write(note)  # verbatim: a signed note must not be wrapped or styled


@audit_app.command("verify")
def audit_verify(
    url: Annotated[
        str | None,
        typer.Option(
            help="Verify another node's log from its public endpoints, against the last checkpoint "
            "seen there (remembered in the data directory)."
        ),
    ] = None,
) -> None:
    """Rebuild the audit log from its leaves and check every event, node and checkpoint against
    it; or, with --url, check another node's log. Exits 1 naming the first problem."""
    settings = Settings()
    if url is not None:
        from qorgau.audit.remote import RemoteLogError, observe

        try:
            seen = observe(url, settings.data_dir / "observed")
        except RemoteLogError as exc:
            raise _fail(str(exc)) from None
        since = f" (consistent with size {seen.previous_size} seen before)" if seen.previous_size else ""
        console.print(f"{seen.origin}: checkpoint at size {seen.tree_size} verifies{since}.", soft_wrap=True)
        return

    from rich.progress import Progress

    from qorgau.audit import log, transparency
    from qorgau.audit.verify import LogTampered, verify_log

    _engine, factory = _sessions(settings)
    public_key = transparency.signing_key(settings).public_key()
    with unit_of_work(factory) as db, Progress(console=err, transient=True) as bar:
        task = bar.add_task("verifying leaves", total=log.size(db))
        try:
            result = verify_log(
                db,
                settings.audit_log_origin,
                public_key,
                progress=lambda done: bar.update(task, completed=done),
            )
        except LogTampered as exc:
            raise _fail(_("the audit log does not verify: %(problem)s") % {"problem": exc}) from None
    console.print(
        f"The audit log verifies: {result.tree_size} leaves, {result.checkpoints} checkpoints, "
        f"root {result.root.hex()}.",
        soft_wrap=True,
    )


@audit_app.command("reveal")
def audit_reveal(event_id: uuid.UUID) -> None:
    """Open one entry of the public log to an auditor: print, as JSON, what the event is about
    and the secret behind its pseudonyms and details commitment (the reveal is itself audited)."""
    from qorgau.audit import opening

    settings = Settings()
    _engine, factory = _sessions(settings)
    try:
        with unit_of_work(factory) as db:
            revealed = opening.reveal(db, _cli_actor(), event_id)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    sys.stdout.write(json.dumps(revealed, indent=2) + "\n")


@audit_app.command("prove-record")
def audit_prove_record(object_type: str, object_id: str) -> None:
    """Show an auditor which entries of the public log concern one record: print, as JSON, each
    entry with the key that opens its record pseudonym and nothing else (audited)."""
    from qorgau.audit import opening

    settings = Settings()
    _engine, factory = _sessions(settings)
    with unit_of_work(factory) as db:
        proof = opening.prove_record(db, _cli_actor(), object_type, object_id)
    sys.stdout.write(json.dumps(proof, indent=2) + "\n")


@audit_app.command("check-opening")
def audit_check_opening(
    path: Annotated[
        Path, typer.Argument(help="The JSON printed by `qorgau audit reveal` or `prove-record`.")
    ],
    url: Annotated[str, typer.Option(help="The node whose public entries the opening is about.")],
) -> None:
    """The auditor's side: check an opening against the entries the node publishes. Exits 1
    naming what does not match."""
    from qorgau.audit import opening
    from qorgau.audit.remote import RemoteLogError, published_entries

    try:
        document = json.loads(path.read_text())
        indexes = (
            [document["leaf_index"]]
            if document["kind"] == "reveal"
            else [e["leaf_index"] for e in document["events"]]
        )
        entries = published_entries(url, indexes)
        if document["kind"] == "reveal":
            problems = opening.check_reveal(entries[document["leaf_index"]], document)
        else:
            problems = opening.check_record_proof(entries, document)
    except RemoteLogError as exc:
        raise _fail(str(exc)) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(
            _("%(path)s is not an opening printed by qorgau audit: %(problem)s")
            % {"path": path, "problem": repr(exc)}
        ) from None
    if problems:
        raise _fail(
            _("the opening does not match the published entries: %(problems)s")
            % {"problems": "; ".join(problems)}
        )
    console.print("The opening matches the published entries.")


@audit_app.command("witness")
def audit_witness(url: Annotated[str, typer.Option(help="The node whose log to witness.")]) -> None:
    """Check another node's newest checkpoint (as verify --url does), co-sign it with this node's
    key, and hand the co-signature back to that node, which publishes it if it trusts this
    witness; prints the co-signed note."""
    from qorgau.audit import transparency
    from qorgau.audit.remote import RemoteLogError, hand_in, witness

    settings = Settings()
    try:
        note = witness(
            url, settings.data_dir / "observed", settings.audit_log_origin, transparency.signing_key(settings)
        )
    except RemoteLogError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(note)
    accepted, answer = hand_in(url, note)
    if accepted:
        err.print(f"The observed node published the co-signature ({answer}).")
    else:
        # The witness's own copy stands; the observed node may simply not pin this witness yet.
        err.print(f"[yellow]The observed node did not take the co-signature:[/yellow] {answer}")


# --- keys -------------------------------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate(
    resume: Annotated[
        bool, typer.Option("--resume", help="Do not make a new key; finish re-sealing under the active one.")
    ] = False,
) -> None:
    """Make a new data key the active one and re-seal every sealed value under it (personal
    records, TOTP seeds). The old key stays in the keyring, retired, so that backups taken
    before still open."""
    from rich.progress import Progress

    from qorgau import rekey
    from qorgau.keyring import KeyringError, add_data_key
    from qorgau.models import load_all

    load_all()
    settings = Settings()
    _engine, factory = _sessions(settings)
    try:
        keyring = settings.keyring if resume else add_data_key(settings.data_dir)
        with unit_of_work(factory) as db:
            total = rekey.rows_to_reseal(db, keyring)
        with Progress(console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task(f"Re-sealing under key {keyring.active_id}", total=total)
            done = rekey.reseal_all(
                factory,
                keyring,
                legacy_key=settings.secrets.secret_box_key,
                progress=lambda n: progress.advance(task, n),
            )
    except KeyringError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Active key: {keyring.active_id}; {done} records re-sealed.")


def _settings_problem(exc: ValidationError) -> str:
    """A settings error, named by its environment variable, without the value given."""
    parts = []
    for e in exc.errors():
        name = "QORGAU_" + "_".join(str(p) for p in e.get("loc", ())).upper()
        parts.append(f"{name}: {e.get('msg', 'invalid value').removeprefix('Value error, ')}")
    return "; ".join(parts) or "invalid settings"


def main() -> None:
    """Run a command. What goes wrong is told in one line on standard error, never a Python
    traceback: expected problems (settings, files, the database, the keyring) say what to check,
    and exit 2 for settings, 1 otherwise; anything else names the kind of error and how to see
    its details (QORGAU_LOG_LEVEL=DEBUG prints the traceback)."""
    from sqlalchemy.exc import OperationalError

    # The one-line errors in the node's language (settings may be the very problem: read the
    # variable itself; an unsupported value is English).
    set_locale(os.environ.get("QORGAU_DEFAULT_LOCALE", "en"))
    try:
        app()
    except ValidationError as exc:
        _one_line(_("invalid settings: %(problems)s") % {"problems": _settings_problem(exc)}, 2)
    except PermissionError as exc:  # e.g. a key file that others can read: say what to do
        _one_line(str(exc) if exc.filename is None else f"{exc.filename}: {exc.strerror}", 1)
    except OSError as exc:  # e.g. QORGAU_DATA_DIR names a file, or a disk that is full
        where = f"{exc.filename}: " if exc.filename else ""
        problem = f"{where}{exc.strerror or exc}"
        _one_line(_("%(problem)s (check QORGAU_DATA_DIR and QORGAU_DATABASE_URL)") % {"problem": problem}, 1)
    except OperationalError as exc:  # parameters are hidden (db.make_engine): no personal data
        reason = (str(exc.orig) or type(exc.orig).__name__).splitlines()[0]
        _one_line(
            _("the database cannot be used: %(reason)s (check QORGAU_DATABASE_URL)") % {"reason": reason}, 1
        )
    except DomainError as exc:  # e.g. the keyring
        _one_line(exc.detail, 1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("QORGAU_LOG_LEVEL", "").upper() == "DEBUG":
            traceback.print_exc()
        _one_line(
            _(
                "unexpected %(kind)s; nothing more is shown here, since it may quote data. "
                "Run again with QORGAU_LOG_LEVEL=DEBUG for details."
            )
            % {"kind": type(exc).__name__},
            1,
        )


def _one_line(message: str, code: int) -> NoReturn:
    err.print(f"[red]{_error_word()}:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    sys.exit(code)
