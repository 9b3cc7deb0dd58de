"""The only module that reads the environment. Every setting is ASCN_<NAME>."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///.ascn/ascn.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASCN_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    db_url: str = Field(default=DEFAULT_DB_URL, min_length=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] | None = None
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "ascn-cycle"
    # Cycles keep AscnYear, AscnCurrentStep and AscnOverdueCount current; the namespace
    # must have them registered (ascn up and docker-compose do).
    search_attributes: bool = False
    # Mail: with no smtp_host, mails are written as .eml files under outbox_dir.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "ASCN cycle <ascn-cycle@ascn.example>"
    outbox_dir: str = ".ascn/outbox"

    @model_validator(mode="after")
    def _refuse_embedded_defaults_in_production(self) -> Settings:
        if self.env == "production" and self.db_url.startswith("sqlite"):
            raise ValueError(
                "ASCN_DB_URL must name a PostgreSQL database in production "
                f"(got {self.db_url!r}); SQLite is the embedded development default"
            )
        return self

    @property
    def resolved_log_format(self) -> Literal["console", "json"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.env == "production" else "console"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; explicit overrides (CLI flags) win."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]
