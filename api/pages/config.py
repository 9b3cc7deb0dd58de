"""What the pages need beyond the API's context: where to send sign-in mail, the
public base URL for links, and how cookies are set."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from domain.contacts import Contacts
from mail.transport import Transport
from services.signin import DEFAULT_SESSION_TTL

_PROCESS_SECRET = secrets.token_urlsafe(32)
"""Signs CSRF cookies when no secret is configured: good for one process."""


@dataclass(frozen=True)
class WebConfig:
    base_url: str = "http://127.0.0.1:8000"
    """Where people reach the pages; sign-in and reminder links start with it."""
    transport: Transport | None = None
    """Sign-in mail goes out here; None: sign-in by mail is not available."""
    contacts: Contacts = field(default_factory=Contacts.load)
    """Who receives a role's mail (``nr:MY``...): the sign-in link goes there."""
    mail_from: str = "ASCN cycle <ascn-cycle@ascn.example>"
    secure_cookies: bool = False
    """True outside development: cookies only over HTTPS."""
    session_ttl: timedelta = DEFAULT_SESSION_TTL
    secret: str = _PROCESS_SECRET
    """Signs the CSRF cookie; set it (ASCN_WEB_SECRET) when several processes serve."""
