"""`python -m services.<name> --host --port`: the one way every service is started."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI


def serve(service: str, create_app: Callable[[], FastAPI], default_port: int) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    app = create_app()  # settings are read here, so a bad one stops start-up before the port opens
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None)
