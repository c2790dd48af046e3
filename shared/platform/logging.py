"""Structured logs on stdout, for our own loggers and the libraries' alike (uvicorn, eventsourcing, alembic):
one JSON object a line for machines, or readable coloured lines when a person watches a terminal.
`shared.platform.observability` binds each request's id to the lines written while it runs."""

from __future__ import annotations

import logging
import sys

import structlog

SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


# Each of their lines says again what our own request line says, or is chatter a person does not need.
QUIET_LIBRARIES = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "alembic": logging.WARNING}


def renderer(log_format: str) -> structlog.typing.Processor:
    """JSON, or structlog's console renderer (colours when the terminal takes them); `auto` picks by whether
    stdout is a terminal."""
    if log_format == "console" or (log_format == "auto" and sys.stdout.isatty()):
        return structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    return structlog.processors.JSONRenderer()


def configure_logging(service: str, level: str = "INFO", log_format: str = "json") -> None:
    render = renderer(log_format)
    # Our own lines go straight to the renderer: the stdlib route costs as much per request as the endpoint.
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.processors.format_exc_info, render],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    # The libraries' stdlib records are rendered by the same processors.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*SHARED_PROCESSORS, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                render,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for library, quiet in QUIET_LIBRARIES.items():
        logging.getLogger(library).setLevel(max(quiet, logging.getLevelNamesMapping()[level]))
    structlog.contextvars.bind_contextvars(service=service)
