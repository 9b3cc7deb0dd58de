"""The only module that reads the environment. Every setting is ASCN_<NAME>."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Literal

import limits
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///.ascn/ascn.db"
# The ledger's signing key when ASCN_LEDGER_KEY_PATH is unset: beside the default store,
# where `ascn up` (with its default --data-dir) and `ascn demo` write theirs.
DEFAULT_LEDGER_KEY_PATH = ".ascn/ledger.key"

# Development keys, public by design: they make the embedded defaults work out of the box,
# and production refuses them. Each is ``key-id=base64url(32 bytes)``.
DEV_SEAL_KEYS = "dev-seal-1=ZGV2ZWxvcG1lbnQtb25seS1zZWFsLWtleS0wMDAwMDA"
DEV_PAYLOAD_KEYS = "dev-payload-1=ZGV2ZWxvcG1lbnQtb25seS1wYXlsb2FkLWtleS0wMDA"


_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# What a browser sends as Origin: scheme, host and port, no path (a trailing slash
# would never match).
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASCN_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    db_url: str = Field(default=DEFAULT_DB_URL, min_length=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] | None = None
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "ascn-cycle"
    # Whether cycles keep AscnYear, AscnCurrentStep and AscnOverdueCount current. Unset:
    # every entry point asks the namespace whether it has them registered (ascn up
    # registers them on its dev server; docker-compose on its namespace, and says true).
    search_attributes: bool | None = None
    # Mail: with no smtp_host, mails are written as .eml files under outbox_dir.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "ASCN cycle <ascn-cycle@ascn.example>"
    outbox_dir: str = ".ascn/outbox"
    # Where `ascn login` keeps the signed-in user's token (default: the user's config
    # folder, e.g. ~/.config/ascn).
    config_dir: str | None = None
    # Keyrings, "id=base64url-key,id2=..." (32-byte keys). The first key signs or
    # encrypts; every key listed is accepted, so a key rotates by putting a new one first
    # and dropping the old one once nothing sealed or encrypted with it is in flight.
    # seal_keys: HMAC-SHA256 seals on every update (services and worker share them).
    # payload_keys: AES-GCM encryption of Temporal payloads (every client and worker).
    seal_keys: SecretStr = SecretStr(DEV_SEAL_KEYS)
    payload_keys: SecretStr = SecretStr(DEV_PAYLOAD_KEYS)
    # Origins of the Temporal web UI allowed to call the API's codec endpoint from a
    # browser, comma-separated; the default is the dev server's UI.
    codec_cors_origins: str = "http://127.0.0.1:8233,http://localhost:8233"
    # The Ed25519 private key (PEM) that signs ledger checkpoints (`ascn ledger keygen`
    # writes one, mode 0600): `ascn ledger checkpoint` and the worker, when a step
    # completes, sign with it. A new key here rotates it (its id is in each checkpoint).
    # Unset: DEFAULT_LEDGER_KEY_PATH if a key is there (`ledger_key_file`), else none.
    ledger_key_path: str | None = None
    # API tokens live this long unless revoked first (rotate them before they expire).
    token_ttl_days: int = Field(default=90, ge=1, le=3650)
    # A client (by remote address) that sends more bad or missing tokens than this gets
    # 429 until the window has moved on; in the notation of `limits`, e.g. "20/minute".
    auth_failure_limit: str = "20/minute"
    # The web pages (api/pages): where people reach them (sign-in and reminder mails link
    # there), how long a session lasts, and the key that signs CSRF cookies (set it when
    # several API processes serve the pages; unset, each process draws its own).
    base_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://\S+$")
    session_hours: int = Field(default=8, ge=1, le=168)
    web_secret: SecretStr | None = None

    @field_validator("auth_failure_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str) -> str:
        try:
            parsed = limits.parse_many(value)
        except ValueError:
            parsed = []
        if len(parsed) != 1 or parsed[0].amount < 1:
            raise ValueError(
                f"{value!r} is not one rate limit; write N/second, N/minute, N/hour or N/day "
                "with N at least 1"
            )
        return value

    @field_validator("seal_keys", "payload_keys")
    @classmethod
    def _keyring_shape(cls, value: SecretStr) -> SecretStr:
        parse_keyring(value.get_secret_value())
        return value

    @field_validator("codec_cors_origins")
    @classmethod
    def _origins_shape(cls, value: str) -> str:
        for origin in split_list(value):
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port], without a path"
                )
        return value

    @model_validator(mode="after")
    def _refuse_embedded_defaults_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.db_url.startswith("sqlite"):
            raise ValueError(
                "ASCN_DB_URL must name a PostgreSQL database in production "
                f"(got {self.db_url!r}); SQLite is the embedded development default"
            )
        for name, dev in (("seal_keys", DEV_SEAL_KEYS), ("payload_keys", DEV_PAYLOAD_KEYS)):
            given = parse_keyring(getattr(self, name).get_secret_value())
            if set(given.values()) & set(parse_keyring(dev).values()):
                raise ValueError(
                    f"ASCN_{name.upper()} holds the public development key; production "
                    "needs keys of its own (ascn keys new prints one)"
                )
        return self

    @property
    def seal_keyring(self) -> dict[str, bytes]:
        return parse_keyring(self.seal_keys.get_secret_value())

    @property
    def payload_keyring(self) -> dict[str, bytes]:
        return parse_keyring(self.payload_keys.get_secret_value())

    @property
    def ledger_key_file(self) -> Path:
        """Where the ledger's signing key is: ASCN_LEDGER_KEY_PATH, else the default."""
        return Path(self.ledger_key_path or DEFAULT_LEDGER_KEY_PATH)

    @property
    def codec_cors_origin_list(self) -> tuple[str, ...]:
        return split_list(self.codec_cors_origins)

    @property
    def resolved_log_format(self) -> Literal["console", "json"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.env == "production" else "console"


def split_list(text: str) -> tuple[str, ...]:
    return tuple(filter(None, (part.strip() for part in text.split(","))))


def parse_keyring(text: str) -> dict[str, bytes]:
    """``id=base64url-key,...`` in order (the first is current); every key 32 bytes."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, sep, encoded = item.partition("=")
        if not sep or not key_id or not _KEY_ID.fullmatch(key_id):
            raise ValueError(
                "a keyring is key-id=base64url-key[,key-id=...] with ids of letters, digits, "
                "'-' and '_'"
            )
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not base64url") from None
        if len(key) != 32:
            raise ValueError(f"key {key_id!r} has {len(key)} bytes; keys have 32")
        if key_id in keys:
            raise ValueError(f"key id {key_id!r} appears twice")
        keys[key_id] = key
    if not keys:
        raise ValueError("a keyring needs at least one key")
    return keys


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; explicit overrides (CLI flags) win."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]
