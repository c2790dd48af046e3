"""Logs are JSON for machines and readable lines for a person at a terminal: `auto` tells them apart."""

from __future__ import annotations

import structlog

from shared.platform.logging import renderer


def test_a_terminal_gets_readable_lines_and_a_pipe_gets_json(monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert isinstance(renderer("auto"), structlog.dev.ConsoleRenderer)
    assert isinstance(renderer("json"), structlog.processors.JSONRenderer)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert isinstance(renderer("auto"), structlog.processors.JSONRenderer)
    assert isinstance(renderer("console"), structlog.dev.ConsoleRenderer)
