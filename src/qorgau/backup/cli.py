"""`qorgau backup create|verify|restore` and `qorgau keys export-shares|recover`.

Registered on the main command by qorgau.cli (register()). Problems are told in one line on
standard error with exit status 1, like every other command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from qorgau.backup import archive, shares
from qorgau.backup import restore as restoring
from qorgau.backup.stream import BackupError, backup_key, read_key_file
from qorgau.config import Settings

backup_app = typer.Typer(
    help="Encrypted backups of the database: create, verify, restore.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)

KeyOption = Annotated[
    Path | None,
    typer.Option("--key", help="The backup key file; by default backup-key.json in the data directory."),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(1)


def _key(settings: Settings, key_file: Path | None) -> bytes:
    return read_key_file(key_file) if key_file else backup_key(settings.data_dir, create=False)


@backup_app.command("create")
def create(directory: Annotated[Path, typer.Argument(help="A new directory for the backup.")]) -> None:
    """Back up the database while the node serves (SQLite's online backup, or pg_dump on one
    snapshot), encrypted with the backup key (made on first use), with a manifest."""
    settings = Settings()
    try:
        manifest = archive.create(settings, directory, backup_key(settings.data_dir, create=True))
    except BackupError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"Backup written to {directory}: audit log size {manifest['audit']['size']}, "
        f"root {manifest['audit']['root']}, {sum(manifest['tables'].values())} rows.",
        soft_wrap=True,
    )
    console.print(
        "The data keys are not in it: keep them with `qorgau keys export-shares` (once, and after "
        "every key rotation)."
    )


@backup_app.command("verify")
def verify(directory: Path, key: KeyOption = None) -> None:
    """Check a backup's manifest, checksums and that it decrypts, without restoring it."""
    settings = Settings()
    try:
        manifest = archive.verify(directory, _key(settings, key))
    except BackupError as exc:
        raise _fail(f"{directory}: {exc}") from None
    console.print(
        f"The backup verifies: made {manifest['created_at']} on node {manifest['node_id']}, "
        f"{manifest['database']}, schema {manifest['schema_revision']}, audit log size "
        f"{manifest['audit']['size']} root {manifest['audit']['root']}.",
        soft_wrap=True,
    )


@backup_app.command("restore")
def restore(directory: Path, key: KeyOption = None) -> None:
    """Restore a backup into this node's database, which must be empty (a live node is
    refused); then check it against the manifest and verify the audit log."""
    settings = Settings()
    try:
        done = restoring.restore(settings, directory, _key(settings, key))
    except BackupError as exc:
        raise _fail(f"{directory}: {exc}") from None
    audit = done.manifest["audit"]
    console.print(
        f"Restored: audit log size {audit['size']}, root {audit['root']} (the manifest's).", soft_wrap=True
    )
    if done.audit_verified:
        console.print("The audit log verifies.")
    else:
        console.print(
            "[yellow]The node's keys are not in the data directory yet:[/yellow] recover them with "
            "`qorgau keys recover`, then run `qorgau audit verify`."
        )


def export_shares(
    directory: Annotated[Path, typer.Argument(help="A new directory for the share sheets.")],
    threshold: Annotated[int, typer.Option(help="How many shares recover the keys.")] = 3,
    count: Annotated[int, typer.Option("--shares", help="How many shares to make.")] = 5,
) -> None:
    """Export the node's keys (data keys, node secrets, backup key), sealed, with the sealing key
    split into Shamir shares (SLIP-39), one sheet and QR code per custodian."""
    settings = Settings()
    try:
        made = shares.export(settings.data_dir, directory, threshold, count)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"Wrote {len(made)} share sheets (share-N.txt, share-N.svg) to {directory}: any {threshold} "
        "recover the keys. Print each, give each to a different custodian, then delete the files.",
        soft_wrap=True,
    )


def recover(
    files: Annotated[list[Path], typer.Argument(help="Share sheets (share-N.txt) or their scanned text.")],
    into: Annotated[
        Path | None, typer.Option(help="Where to write the keys; by default the data directory.")
    ] = None,
) -> None:
    """Rebuild the node's keys from enough shares; fewer than the threshold recover nothing."""
    target = into or Settings().data_dir
    try:
        bundle = shares.recover([f.read_text() for f in files], target)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Recovered the keys of node {bundle['secrets']['node_id']} into {target}.", soft_wrap=True)


def register(app: typer.Typer, keys_app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    keys_app.command("export-shares")(export_shares)
    keys_app.command("recover")(recover)
