"""The sign-in mail: a link that works once, for 15 minutes."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid


def signin_message(
    *, sender: str, to: str, name: str, link: str, expires_at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "[ASCN] Your sign-in link"
    message["Message-ID"] = make_msgid(idstring="signin", domain="ascn")
    until = expires_at.strftime("%H:%M UTC on %d %b %Y")
    message.set_content(
        f"Dear {name},\n\n"
        f"To sign in to the ASCN cycle pages, open this link:\n\n  {link}\n\n"
        f"It works once, until {until}. If you did not ask for it, ignore this mail.\n"
    )
    return message
