"""``parley worker`` masks phone numbers, email addresses and secrets in its log lines, also after faust's
Worker has replaced the root handlers with its own (mode's ``setup_logging``, run when the worker starts)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from mode.utils.logging import setup_logging

from consumers.app import create_app
from parley.cli.worker import faust_worker, secrets_of
from parley.observability import configure_logging
from parley.settings import Settings

SECRET = "supersecrettoken"
LINE = f"+15005550006 jane@example.com {SECRET}"


@pytest.fixture
def process_logging() -> Iterator[None]:
    """The root logger and the record factory as they were before the test configured them."""
    root = logging.getLogger()
    handlers, level, factory = root.handlers[:], root.level, logging.getLogRecordFactory()
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.setLogRecordFactory(factory)


def start_worker_logging(json_lines: bool = False) -> None:
    """Logging as ``parley worker`` configures it, then as faust's Worker resets it when it starts."""
    settings = Settings(twilio_auth_token=SECRET, log_json=json_lines)
    configure_logging("INFO", settings.log_json, secrets=secrets_of(settings))
    worker = faust_worker(create_app(settings), settings, "INFO")
    level = setup_logging(
        loglevel=worker.loglevel,
        logfile=worker.logfile,
        logging_config=worker.logging_config,
        loghandlers=worker.loghandlers,
    )
    worker.on_setup_root_logger(logging.root, level)


def printed(capfd: pytest.CaptureFixture[str]) -> str:
    out, err = capfd.readouterr()
    return out + err


@pytest.mark.usefixtures("process_logging")
def test_a_phone_number_an_email_and_a_secret_are_masked_after_faust_resets_the_handlers(
    capfd: pytest.CaptureFixture[str],
) -> None:
    start_worker_logging()
    logging.getLogger("parley.worker").info(LINE)
    text = printed(capfd)
    assert "+*******0006 j***@example.com ***" in text
    assert "5005550006" not in text and "jane@" not in text and SECRET not in text


@pytest.mark.usefixtures("process_logging")
def test_exception_text_is_masked_after_faust_resets_the_handlers(capfd: pytest.CaptureFixture[str]) -> None:
    start_worker_logging()
    try:
        raise ValueError(LINE)
    except ValueError:
        logging.getLogger("twilio.http_client").exception("send failed")
    text = printed(capfd)
    assert "ValueError: +*******0006 j***@example.com ***" in text
    assert "5005550006" not in text and "jane@" not in text and SECRET not in text


@pytest.mark.usefixtures("process_logging")
def test_json_lines_survive_faust_resetting_the_handlers_and_are_masked(capfd: pytest.CaptureFixture[str]) -> None:
    start_worker_logging(json_lines=True)
    logging.getLogger("parley.worker").info(LINE)
    (line,) = [line for line in printed(capfd).splitlines() if '"logger":"parley.worker"' in line]
    record = json.loads(line)
    assert record["level"] == "INFO"
    assert record["message"] == "+*******0006 j***@example.com ***"


@pytest.mark.usefixtures("process_logging")
def test_a_json_line_stays_valid_json_with_quotes_newlines_and_a_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    start_worker_logging(json_lines=True)
    try:
        raise ValueError('bad "value"\nfor jane@example.com')
    except ValueError:
        logging.getLogger("parley.worker").exception('could not "parse"\nthe event')
    (line,) = [line for line in printed(capfd).splitlines() if '"logger":"parley.worker"' in line]
    record = json.loads(line)
    assert record["message"] == 'could not "parse"\nthe event'
    assert "ValueError" in record["exception"] and "jane@example.com" not in record["exception"]
