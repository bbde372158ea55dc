"""`tidbok-gateway`: serve, simulate regional systems, run the demo, work with rules and the database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import uvicorn

from gateway.settings import Settings

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from gateway.logging_setup import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from gateway.demo import SIMULATOR_KINDS, simulator_app

    if args.kind not in SIMULATOR_KINDS:
        print(f"unknown simulator {args.kind!r}; choose from {', '.join(SIMULATOR_KINDS)}", file=sys.stderr)
        return 2
    kind = SIMULATOR_KINDS[args.kind]
    app = simulator_app(args.kind, region=args.region, seed=args.seed, database=args.db)
    print(f"{kind.protocol} region {args.region} at http://{args.host}:{args.port} (what it holds: /admin/seed)")
    if kind.adapter_options:
        print(f"the {kind.adapter_kind} adapter's options for the routing table: {kind.adapter_options}")
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools", access_log=False)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from gateway.demo import run_demo

    os.makedirs(args.workdir, exist_ok=True)
    return asyncio.run(run_demo(host=args.host, port=args.port, seed=args.seed, workdir=args.workdir))


def _rules(args: argparse.Namespace) -> int:
    from gateway.rules_cli import run_rules_command

    return run_rules_command(args)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from gateway.db.database import Database

    async def upgrade() -> None:
        database = Database(Settings().database_url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(upgrade())
    print("database at the newest revision")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tidbok-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway (settings from TIDBOK_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    simulate = commands.add_parser("simulate", help="run one simulated regional system")
    simulate.add_argument(
        "kind", help="rivta (crm:scheduling 1.1), rivta2 (scheduling 2), fhir (FHIR R4) or kalendra (proprietary REST)"
    )
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8101)
    simulate.add_argument("--region", default="01", help="county code, e.g. 01 for Stockholm")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--db", default=":memory:", help="SQLite file for the simulator's own state")
    simulate.set_defaults(handler=_simulate)

    demo = commands.add_parser("demo", help="gateway + simulators, seeded, on loopback; prints URLs and a call")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--workdir", default=os.path.join("var", "demo"))
    demo.set_defaults(handler=_demo)

    rules = commands.add_parser("rules", help="check rule files or explain a decision")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    check = rule_commands.add_parser("check", help="validate the rule files")
    check.add_argument("--dir", default=None, help="rule directory (default: the bundled national set)")
    explain = rule_commands.add_parser("explain", help="why may (or may not) a citizen book a slot")
    explain.add_argument("--dir", default=None)
    explain.add_argument("--citizen", required=True, help="personnummer, 12 digits")
    explain.add_argument("--slot", required=True, help="REGION/UNIT-HSA-ID/TIME-TYPE/YYYYMMDDhhmm")
    explain.add_argument("--now", default=None, help="evaluate as of YYYYMMDDhhmm (default: now)")
    explain.add_argument("--referral", action="append", default=[], help="TIMETYPE[:uses] referral to assume")
    rules.set_defaults(handler=_rules)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to the newest revision")
    upgrade.set_defaults(handler=_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
