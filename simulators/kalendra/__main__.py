"""`python -m simulators.kalendra --port 8501 --region 01 --seed 1 --api-key KEY`"""

from __future__ import annotations

import argparse
import logging
import os
import re
from pathlib import Path

import uvicorn

from simulators.kalendra.app import create_app
from simulators.kalendra.config import KalendraConfig

_PERSONAL_NUMBER = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})[0-9]{4}(?:-|%2D)?[0-9]{4}(?![0-9])", re.IGNORECASE)


class MaskPersonalNumbers(logging.Filter):
    """Access-log lines carry query strings (`?patient=…`): mask the personal identity number."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            arguments = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                _PERSONAL_NUMBER.sub(r"\1********", value) if isinstance(value, str) else value for value in arguments
            )
        record.msg = _PERSONAL_NUMBER.sub(r"\1********", str(record.msg))
        return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.kalendra", description="Run a Kalendra system.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--region", default="01", help="county code (länskod), e.g. 01 Stockholm, 12 Skåne")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("KALENDRA_API_KEY"),
        help="the key clients send in X-Kalendra-Key (default: $KALENDRA_API_KEY)",
    )
    parser.add_argument("--clinics", type=int, default=3)
    parser.add_argument("--days", type=int, default=21, help="days of openings from tomorrow")
    parser.add_argument("--cancel-cutoff-hours", type=int, default=24)
    parser.add_argument("--database", type=Path, help="SQLite file kept between runs (default: a temporary one)")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("an API key is required: --api-key or KALENDRA_API_KEY")
    config = KalendraConfig(
        api_key=args.api_key,
        region=args.region,
        seed=args.seed,
        clinics=args.clinics,
        days=args.days,
        cancel_cutoff_hours=args.cancel_cutoff_hours,
        database=args.database,
    )
    logging.getLogger("uvicorn.access").addFilter(MaskPersonalNumbers())
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
