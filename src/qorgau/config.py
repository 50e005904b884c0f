"""Settings from the environment, and the node's secrets kept in the data directory."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from qorgau.keyring import Keyring, KeyringFile

SUPPORTED_LOCALES = ("en", "ru", "kk", "uz", "ky", "tg")


class Settings(BaseSettings):
    """Every setting can be given as QORGAU_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="QORGAU_", extra="ignore")

    data_dir: Path = Field(default=Path("./qorgau-data"))
    database_url: str | None = None
    node_country: str = "KZ"
    default_locale: str = "en"
    # Sessions: idle and absolute lifetimes, in minutes.
    session_idle_minutes: int = 30
    session_absolute_minutes: int = 12 * 60
    # Sign-in throttling (auth/throttle.py): after max_failures failures (per account, per
    # address) each further one makes the next try wait first_delay_seconds, doubling up to
    # lock_minutes; a streak is forgotten after lock_minutes + window_minutes without failures.
    sign_in_window_minutes: int = 15
    sign_in_max_failures_per_account: int = 5
    sign_in_max_failures_per_address: int = 20
    sign_in_lock_minutes: int = 15
    sign_in_first_delay_seconds: int = 15
    # Set when Qorgau is served behind HTTPS (a reverse proxy): cookies become Secure.
    secure_cookies: bool = False
    # Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated, or "*").
    # Without it, behind a proxy every client would share the proxy's address, and the
    # per-address sign-in throttle would lock them out together.
    trusted_proxies: str | None = None
    log_level: str = "INFO"
    # How often `qorgau serve` signs a checkpoint of the audit log (0: only at start and on demand).
    checkpoint_seconds: int = 300
    # Two accounts one of which created or gave power to the other within these days are never
    # maker and checker of one another (grants of power, fund payments).
    grant_recent_days: int = 30
    # Payments out of the safe fund above these amounts wait for a second person (maker-checker).
    fund_approval_thresholds: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "USD": Decimal(1000),
            "EUR": Decimal(1000),
            "KZT": Decimal(500_000),
            "UZS": Decimal(12_500_000),
            "KGS": Decimal(87_000),
            "TJS": Decimal(11_000),
        }
    )
    # Payments to one payee (a cost category, a case, a donor refunded) recorded within this many
    # days are added up against the threshold: splitting a payment does not avoid the checker.
    fund_approval_window_days: int = Field(default=30, ge=1)
    # A fund entry may be dated from 2000-01-01 up to this many days after today, no later.
    fund_days_ahead: int = Field(default=7, ge=0)
    # The audit log's name in its checkpoints (C2SP "origin"); by default made from the node id.
    log_origin: str | None = None
    # Verifier keys (C2SP note format, as other nodes publish at /transparency/key) of the
    # witnesses whose co-signatures of this node's checkpoints it accepts and publishes.
    witnesses: list[str] = Field(default_factory=list)
    # Reflection and recovery period for a potential victim, in days, per country of the case.
    # Where this names no country: the period the country's law sets (its legal profile), else
    # the default (KZ, UZ, KG and TJ set none that our sources show).
    reflection_period_days: dict[str, int] = Field(default_factory=dict)
    default_reflection_period_days: int = 30
    # Scheduled backups by `qorgau serve` (backup.schedule): off unless a directory and hours are set.
    backup_dir: Path | None = None
    backup_hours: float = Field(default=0, ge=0)
    backup_keep: int = Field(default=7, ge=0)  # newest backups kept there (0: all)

    @field_validator("node_country")
    @classmethod
    def _upper_country(cls, v: str) -> str:
        if len(v) != 2 or not v.isalpha():
            raise ValueError("node_country must be an ISO 3166-1 alpha-2 code such as KZ")
        return v.upper()

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, v: str) -> str:
        if v not in SUPPORTED_LOCALES:
            raise ValueError(f"default_locale must be one of {', '.join(SUPPORTED_LOCALES)}")
        return v

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qorgau.sqlite3').resolve()}"

    @property
    def audit_log_origin(self) -> str:
        return self.log_origin or f"qorgau.{self.node_country.lower()}/{self.secrets.node_id}"

    @cached_property
    def secrets(self) -> NodeSecrets:
        return load_or_create_secrets(self.data_dir)

    @property
    def keyring(self) -> Keyring:
        """The keyring as it is now: a rotation done while the node runs is seen at the next
        use (see keyring.KeyringFile). One from QORGAU_PERSON_KEYS is read once."""
        from qorgau.keyring import Keyring

        source = self.keyring_source
        return source if isinstance(source, Keyring) else source.current()

    @cached_property
    def keyring_source(self) -> Keyring | KeyringFile:
        # Imported here: the keyring's errors are translated, and i18n imports us.
        from qorgau.keyring import KEYRING_ENV, KeyringFile, load_keyring

        if os.environ.get(KEYRING_ENV):
            return load_keyring(self.data_dir)
        return KeyringFile(self.data_dir)

    def reflection_days(self, country: str) -> int:
        """This node's setting for the country; else what the country's law sets; else the default."""
        if country in self.reflection_period_days:
            return self.reflection_period_days[country]
        if _statutory_reflection is None:
            # Never fall back to the default silently: the law's period would be lost.
            raise RuntimeError("no statutory reflection periods: call qorgau.app.wire_rooms() first")
        by_law = _statutory_reflection(country)
        return self.default_reflection_period_days if by_law is None else by_law


# The reflection period a country's law sets (None where it sets none). The law is the screening
# room's data (its country profiles); plumbing knows no room, so the composition root hands the
# lookup over (qorgau.app.wire_rooms).
_statutory_reflection: Callable[[str], int | None] | None = None


def statutory_reflection_from(lookup: Callable[[str], int | None]) -> None:
    global _statutory_reflection
    _statutory_reflection = lookup


@dataclass(frozen=True)
class NodeSecrets:
    node_id: uuid.UUID
    # Keys CSRF tokens and other MACs; never leaves this node.
    mac_key: bytes
    # AES-256-GCM key that sealed TOTP seeds before migration 0015 (now the keyring seals them):
    # kept to open such seeds until they are re-sealed (next good code, or `keys rotate`).
    secret_box_key: bytes
    # Ed25519 private key (raw 32 bytes) that signs the audit log's checkpoints.
    log_signing_key: bytes


SECRETS_FILE = "secrets.json"
_NEW_SECRET = {
    "node_id": lambda: str(uuid.uuid4()),
    "mac_key": lambda: secrets.token_hex(32),
    "secret_box_key": lambda: secrets.token_hex(32),
    "log_signing_key": lambda: secrets.token_hex(32),
}


def load_or_create_secrets(data_dir: Path) -> NodeSecrets:
    """Read the node's secrets (mode 0600), creating any that are missing: all of them on first
    start, a new kind of key when an upgrade brings one. Existing keys are never replaced.

    A lock file makes processes that start together agree on one set, and the file is replaced
    whole (write, fsync, rename), so a crash never leaves it half-written.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRETS_FILE
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(
                f"{path} is readable by other users (mode {oct(mode)}); run: chmod 600 {path}"
            )
    with (data_dir / ".secrets.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        raw = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in _NEW_SECRET if name not in raw]
        if missing:
            raw.update({name: _NEW_SECRET[name]() for name in missing})
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(raw, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
    return NodeSecrets(
        node_id=uuid.UUID(raw["node_id"]),
        mac_key=bytes.fromhex(raw["mac_key"]),
        secret_box_key=bytes.fromhex(raw["secret_box_key"]),
        log_signing_key=bytes.fromhex(raw["log_signing_key"]),
    )


def get_settings() -> Settings:
    return Settings()
