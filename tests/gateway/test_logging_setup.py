"""The log configuration: personal identity numbers masked, region-call chatter only at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gateway.logging_setup import MaskPersonalNumbers, configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


def test_region_calls_are_not_logged_one_line_each_at_info() -> None:
    configure_logging("INFO")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    assert logging.getLogger("tidbok.service").isEnabledFor(logging.INFO)


def test_at_debug_they_are() -> None:
    configure_logging("DEBUG")
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)


def test_personal_identity_numbers_are_masked_in_the_message_and_its_arguments() -> None:
    record = logging.LogRecord("tidbok", logging.INFO, __file__, 1, "booked for %s at %s", ("191212121212", "x"), None)
    assert MaskPersonalNumbers().filter(record)
    assert "191212121212" not in record.getMessage()
    assert record.getMessage().startswith("booked for 1912")
