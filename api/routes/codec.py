"""The codec endpoint: the Temporal web UI and CLI send payloads here to read histories.

Temporal's remote codec protocol: ``POST <endpoint>/decode`` and ``<endpoint>/encode``
take and return ``{"payloads": [...]}``, a ``Payloads`` message in protobuf's JSON
form (bytes as base64). Decoding hands out plaintext, so only admins may call it.

The routes stay out of the OpenAPI document: their shape is Temporal's, not ours.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from api.auth import may
from api.limits import LARGE_BODY_LIMIT
from domain.access import Action
from domain.actors import Actor

PREFIX = "/codec"
# What the web UI sends: its namespace, and the access token when told to pass it.
UI_HEADERS = ("authorization", "content-type", "x-namespace")

Operator = Annotated[Actor, Depends(may(Action.DECODE_PAYLOADS))]
Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def install_codec(app: FastAPI, codec: PayloadCodec, origins: Sequence[str]) -> None:
    app.include_router(codec_router(codec))
    app.add_middleware(CodecCors, origins=origins)


def codec_router(codec: PayloadCodec) -> APIRouter:
    router = APIRouter(
        prefix=PREFIX, tags=["codec"], include_in_schema=False, max_body_size=LARGE_BODY_LIMIT
    )

    @router.post("/decode")
    async def decode(request: Request, _: Operator) -> Response:
        return await transform(codec.decode, request)

    @router.post("/encode")
    async def encode(request: Request, _: Operator) -> Response:
        return await transform(codec.encode, request)

    return router


async def transform(apply: Transform, request: Request) -> Response:
    try:
        given = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, UnicodeDecodeError) as error:
        raise HTTPException(
            400, f"the body is not Temporal's JSON form of Payloads: {error}"
        ) from None
    result = Payloads(payloads=await apply(list(given.payloads)))
    return Response(json_format.MessageToJson(result), media_type="application/json")


class CodecCors:
    """CORS for the codec routes only: the UI calls them from its own origin, while
    the rest of the API has no business answering browsers on other origins."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app, allow_origins=list(origins), allow_methods=["POST"],
            allow_headers=list(UI_HEADERS), max_age=600,
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(f"{PREFIX}/"):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
