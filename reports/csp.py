"""The Content-Security-Policy the report's HTML is served with (a module of its own, so
that the API need not load the renderer's libraries to say it)."""

from __future__ import annotations

import base64
import hashlib
import re

STYLESHEET = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def content_security_policy(html: str) -> str:
    """The policy to serve ``html`` with: nothing loaded, nothing run, and its one
    stylesheet allowed by its hash (the charts' SVG carries no CSS)."""
    sheets = STYLESHEET.findall(html)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in sheets
    )
    allowed = hashes or "'none'"
    return (
        f"default-src 'none'; style-src {allowed}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
