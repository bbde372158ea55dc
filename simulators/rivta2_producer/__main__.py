"""`python -m simulators.rivta2_producer --host 127.0.0.1 --port 8201 --region 03 --seed 1 [--db PATH]`"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from simulators.rivta2_producer.app import create_app
from simulators.rivta2_producer.config import Producer2Config


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.rivta2_producer",
        description="A simulated upgraded regional booking system serving scheduling 2 (Tidbokning 2.0, RIVTABP21).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--region", default="03", help="county code (länskod), e.g. 01 Stockholm, 03 Uppsala")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
    parser.add_argument("--db", default=":memory:", help="SQLite file (kept between runs) or :memory:")
    parser.add_argument("--units", type=int, default=3, help="number of care units")
    parser.add_argument("--weeks", type=int, default=6, help="weeks of slots to generate")
    parser.add_argument("--cancel-deadline-hours", type=int, default=24)
    parser.add_argument("--update-deadline-hours", type=int, default=24)
    parser.add_argument("--booking-deadline-minutes", type=int, default=30)
    parser.add_argument("--keep-id-on-update", action="store_true", help="UpdateAppointment keeps the appointment id")
    parser.add_argument("--public-url", default=None, help="base URL written into served WSDLs")
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = Producer2Config(
        region_code=arguments.region,
        seed=arguments.seed,
        database=arguments.db,
        unit_count=arguments.units,
        weeks=arguments.weeks,
        cancel_deadline_hours=arguments.cancel_deadline_hours,
        update_deadline_hours=arguments.update_deadline_hours,
        booking_deadline_minutes=arguments.booking_deadline_minutes,
        new_id_on_update=not arguments.keep_id_on_update,
        public_base_url=arguments.public_url,
    )
    uvicorn.run(create_app(config), host=arguments.host, port=arguments.port, log_level=arguments.log_level)


if __name__ == "__main__":
    main()
