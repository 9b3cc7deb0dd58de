"""How a rendered mail leaves: over SMTP (``aiosmtplib``) or into ``.eml`` files.

Both raise ``DeliveryError``: ``permanent`` when the server refused the mail for
good (a 5xx reply), otherwise transient (no connection, a timeout, a 4xx reply),
which the dispatcher retries later.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

import aiosmtplib

TlsMode = Literal["starttls", "tls", "none"]


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    async def send(self, message: EmailMessage, recipients: list[str]) -> None: ...


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: TlsMode = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._tls = tls
        self._username = username
        self._password = password
        self._timeout = timeout

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:
        try:
            errors, _ = await aiosmtplib.send(
                message,
                recipients=recipients,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._tls == "tls",
                start_tls=self._tls == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reason = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            raise DeliveryError(reason, permanent=all(c >= 500 for c in codes)) from error
        except aiosmtplib.SMTPResponseException as error:
            reason = f"{error.code} {error.message}"
            raise DeliveryError(reason, permanent=error.code >= 500) from error
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from error
        if errors:
            reason = "; ".join(f"{to}: {r.code} {r.message}" for to, r in errors.items())
            raise DeliveryError(reason, permanent=all(r.code >= 500 for r in errors.values()))


class FileTransport:
    """The embedded default: each mail becomes ``<outbox_dir>/<message id>.eml``."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:  # noqa: ARG002
        self._directory.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("/", "_")
        path = self._directory / f"{name}.eml"
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(message.as_bytes())
        temporary.replace(path)
