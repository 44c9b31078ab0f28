"""Running the app under uvicorn: access logs in the usual combined form, a clean stop on
SIGTERM and SIGINT (uvicorn finishes the requests in flight, then the lifespan closes the
registries and the upstream client)."""

from __future__ import annotations

import logging

import uvicorn

from signoff.trust.serve.app import ServeConfig, create_app


def serve(config: ServeConfig, host: str, port: int, access_log: bool = True) -> None:
    """Serve until stopped by a signal."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # uvicorn's access log says enough
    server = uvicorn.Server(uvicorn.Config(
        create_app(config), host=host, port=port, access_log=access_log, log_level="info",
        proxy_headers=True, forwarded_allow_ips="127.0.0.1", timeout_graceful_shutdown=10,
        server_header=False))
    server.run()
