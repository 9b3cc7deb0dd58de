"""The OpenAPI document and its page, /docs, served without a CDN.

FastAPI's Swagger UI page loads its script and styles from a CDN, so opening /docs
ran code from a third party in the API's origin. The files come from the
``swagger-ui-dist`` npm package instead (``api/static/swagger``, with its licence),
served under ``/docs/static``. ReDoc (CDN too) is off.

In production (``ASCN_ENV=production``) the page is off (404): a browser cannot send
a bearer token, and the schema is no one's business but the operators'.
/openapi.json then answers admins only, who fetch it with their token
(``curl -H "Authorization: Bearer $TOKEN" .../openapi.json``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.auth import may
from domain.access import Action
from domain.actors import Actor

DOCS = "/docs"
OPENAPI = "/openapi.json"
ASSETS = Path(__file__).parent / "static" / "swagger"
STATIC = f"{DOCS}/static"


def docs_page(title: str) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI,
        title=f"{title} - API",
        swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
    )


def inline_script_hash(page: HTMLResponse) -> str:
    """The CSP source of the page's one inline script (the one that starts Swagger UI),
    so that the page's policy allows that script and no other."""
    html = bytes(page.body).decode("utf-8")
    (script,) = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def install_docs(app: FastAPI, *, production: bool) -> str | None:
    """The docs routes for this environment; the inline script's hash when the page
    is served (for its Content-Security-Policy), else None."""
    if production:
        install_admin_schema(app)
        return None
    page = docs_page(app.title)
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="swagger-ui")

    @app.get(DOCS, include_in_schema=False)
    def docs() -> HTMLResponse:
        return page

    return inline_script_hash(page)


def install_admin_schema(app: FastAPI) -> None:
    @app.get(OPENAPI, include_in_schema=False)
    def schema(_: Annotated[Actor, Depends(may(Action.READ_API_SCHEMA))]) -> JSONResponse:
        return JSONResponse(app.openapi())
