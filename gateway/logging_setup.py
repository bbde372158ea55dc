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
