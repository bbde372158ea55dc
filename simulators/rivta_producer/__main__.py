"""`python -m simulators.rivta_producer --host 127.0.0.1 --port 8101 --region 01 --seed 1 [--db PATH] [--units 3]`"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from simulators.rivta_producer.app import create_app
from simulators.rivta_producer.config import ProducerConfig


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.rivta_producer",
        description="A simulated regional booking system serving crm:scheduling 1.1 (RIVTABP21).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--region", default="01", help="county code (länskod), e.g. 01 Stockholm, 12 Skåne")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
    parser.add_argument("--db", default=":memory:", help="SQLite file (kept between runs) or :memory:")
    parser.add_argument("--units", type=int, default=3, help="number of care units")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of free slots to generate")
    parser.add_argument("--cancel-deadline-hours", type=int, default=24)
    parser.add_argument("--public-url", default=None, help="base URL written into served WSDLs")
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = ProducerConfig(
        region_code=arguments.region,
        seed=arguments.seed,
        database=arguments.db,
        unit_count=arguments.units,
        weeks=arguments.weeks,
        cancel_deadline_hours=arguments.cancel_deadline_hours,
        public_base_url=arguments.public_url,
    )
    uvicorn.run(create_app(config), host=arguments.host, port=arguments.port, log_level=arguments.log_level)


if __name__ == "__main__":
    main()
