"""Structured (key=value) logs in which personal identity numbers never appear in clear text."""

from __future__ import annotations

import logging

from adapters.identifiers import mask_personal_numbers

__all__ = ["MaskPersonalNumbers", "configure_logging"]


class MaskPersonalNumbers(logging.Filter):
    """Masks anything shaped like a personnummer in the final message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_numbers(record.getMessage())
        record.args = None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)r", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(MaskPersonalNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # httpx logs every region call at INFO (a line per call, several per consumer call); what the
    # regions did is in the metrics and in the gateway's own lines. At DEBUG they are shown.
    quiet = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for name in _CHATTY_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(quiet)


_CHATTY_CLIENT_LOGGERS = ("httpx", "httpcore")
