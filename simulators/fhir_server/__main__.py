"""`python -m simulators.fhir_server --port 8401 --region 01 --seed 1`"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

import uvicorn

from simulators.fhir_server.app import create_app

_PERSONAL_NUMBER = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})[0-9]{4}(?:-|%2D)?[0-9]{4}(?![0-9])", re.IGNORECASE)


class _MaskPersonalNumbers(logging.Filter):
    """Access-log lines carry query strings (`patient.identifier=…`): mask the personnummer."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _PERSONAL_NUMBER.sub(r"\1********", arg) if isinstance(arg, str) else arg
                for arg in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        record.msg = _PERSONAL_NUMBER.sub(r"\1********", str(record.msg))
        return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.fhir_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--region", default="01", help="county code, e.g. 01 (Stockholm), 12 (Skåne)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=21, help="days of slots from tomorrow")
    parser.add_argument("--units", type=int, default=3, help="care units to seed")
    parser.add_argument("--database", type=Path, help="SQLite file (default: a temporary one)")
    args = parser.parse_args(argv)
    app = create_app(args.region, args.seed, days=args.days, units=args.units, database_path=args.database)
    logging.getLogger("uvicorn.access").addFilter(_MaskPersonalNumbers())
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
