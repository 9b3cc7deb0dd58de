"""`ascn serve`: the HTTP API and the web pages on their own, for production (the
docker-compose service `api`). The projector and the worker run as their own services."""

from __future__ import annotations

from datetime import timedelta

import structlog
import uvicorn
from temporalio.runtime import Runtime

from api.app import create_app
from ascn.bootstrap import (
    connect_client,
    cycle_deps,
    payload_codec,
    records_deps,
    services,
    web_config,
)
from ascn.settings import Settings


async def serve_api(settings: Settings, host: str, port: int, *, runtime: Runtime) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's own handling)."""
    log = structlog.get_logger("ascn.api")
    client = await connect_client(settings, runtime=runtime)
    with services(settings) as built:
        app = create_app(
            engine=built.engine, cycles=cycle_deps(built, client),
            codec=payload_codec(settings), codec_origins=settings.codec_cors_origin_list,
            token_ttl=timedelta(days=settings.token_ttl_days),
            auth_failure_limit=settings.auth_failure_limit,
            production=settings.env == "production", web=web_config(settings, built.contacts),
            records=records_deps(built, client),
        )  # fmt: skip
        log.info("api started", host=host, port=port, pages=f"{settings.base_url}/app")
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_config=None, proxy_headers=True)
        )
        await server.serve()
    log.info("api stopped")
