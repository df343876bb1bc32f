"""`python -m api <command>`: migrate, seed-demo, run, create-program, create-staff,
create-api-key, export-schema, check-redis, register-operations, rebuild-leaderboards,
fetch-draw-record, verify-draw."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from core.clock import parse_time
from core.database import close_database, init_database, migrate
from core.errors import DomainError
from core.redis import RedisUnavailable, create_redis, ensure_redis
from core.settings import get_settings

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def export_schema_text() -> str:
    from strawberry.printer import print_schema

    from api.schema import schema

    return print_schema(schema) + "\n"


async def _with_database(work: Callable[[], Awaitable[None]]) -> None:
    await init_database(get_settings().database_url)
    try:
        await work()
    finally:
        await close_database()


async def _check_redis() -> None:
    settings = get_settings()
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    try:
        await ensure_redis(redis, settings.redis_url)
    finally:
        await redis.aclose()


def parser() -> argparse.ArgumentParser:
    """The command line: each command and its arguments."""
    parser = argparse.ArgumentParser(prog="python -m api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the committed migrations")
    commands.add_parser("seed-demo", help="create or refresh the demo program (idempotent)")
    commands.add_parser("export-schema", help="write schema.graphql from the code")
    commands.add_parser("check-redis", help="exit 1 with one clear line if Redis does not answer")
    run = commands.add_parser("run", help="serve the API and one arq worker; Ctrl-C stops both")
    run.add_argument("--no-worker", action="store_true")
    program = commands.add_parser("create-program")
    program.add_argument("slug")
    program.add_argument("--name", required=True)
    program.add_argument("--currency", default="EUR")
    staff = commands.add_parser("create-staff")
    staff.add_argument("--program", required=True)
    staff.add_argument("--email", required=True)
    staff.add_argument("--password", required=True)
    staff.add_argument("--role", default="ADMIN")
    key = commands.add_parser("create-api-key", help="print a new integration key of a program")
    key.add_argument("--program", required=True)
    key.add_argument("--name", default="Point of sale")
    register = commands.add_parser(
        "register-operations",
        help="register a client's operations: the persisted queries that run under "
        "REGISTERED_OPERATIONS_ONLY (an Apollo manifest, a Relay query map or a .graphql file)",
    )
    register.add_argument("files", nargs="+", metavar="FILE", type=Path)
    rebuild = commands.add_parser(
        "rebuild-leaderboards", help="recompute leaderboards from the database (atomic swap)"
    )
    rebuild.add_argument("--program", help="program slug (default: every program)")
    rebuild.add_argument(
        "--board", help="referrals, points, challenge:<id> or action:<code> (default: all)"
    )
    rebuild.add_argument("--period", choices=["ALL_TIME", "MONTH", "WEEK"])
    rebuild.add_argument(
        "--at",
        help="a time inside the period to rebuild, ISO 8601 with a zone such as"
        " 2026-03-01T09:30:00+01:00 (default: now)",
    )
    verify = commands.add_parser(
        "verify-draw", help="recompute a drawn contest's winners from its public record"
    )
    verify.add_argument("record", help="the draw record as JSON (docs/games.md), or - for stdin")
    fetch = commands.add_parser(
        "fetch-draw-record",
        help="write a drawn contest's public record, read from the GraphQL API as a member would",
    )
    fetch.add_argument("--url", required=True, help="the GraphQL endpoint, e.g. .../graphql")
    fetch.add_argument("--contest", required=True, help="the contest id")
    fetch.add_argument("--token", required=True, help="a member's access token")
    fetch.add_argument("--out", default="-", help="where to write the JSON (default: stdout)")
    fetch.add_argument("--page-size", type=int, default=10_000, help="entries per request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    try:
        return _dispatch(args)
    except DomainError as error:
        print(f"error: {error.code}: {error.message}", file=sys.stderr)
        return 1
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    settings = get_settings()
    match args.command:
        case "migrate":
            asyncio.run(migrate(settings.database_url))
            print("migrations applied")
        case "export-schema":
            SCHEMA_PATH.write_text(export_schema_text())
            print(f"wrote {SCHEMA_PATH}")
        case "check-redis":
            asyncio.run(_check_redis())
            print(f"Redis answers at {get_settings().redis_url}")
        case "register-operations":
            return asyncio.run(_register_operations(args.files))
        case "verify-draw":
            return _verify_draw(args.record)
        case "fetch-draw-record":
            return _fetch_draw_record(args)
        case "seed-demo":
            from api.demo import seed_demo_from_cli

            asyncio.run(_with_database(seed_demo_from_cli))
        case "rebuild-leaderboards":
            # Checked before anything connects: a time carries a zone (core.clock's rule).
            at = parse_time(args.at, "--at") if args.at is not None else None
            asyncio.run(_with_database(lambda: _rebuild_leaderboards(args, at)))
        case "run":
            return _run(settings.port, with_worker=not args.no_worker)
        case "create-program":
            from gamification.programs.programs import create_program

            async def create() -> None:
                created = await create_program(args.slug, args.name, args.currency)
                print(f"program {created.slug} created (id {created.id})")

            asyncio.run(_with_database(create))
        case "create-staff":
            from gamification.accounts.staff import create_staff
            from gamification.audit import Actor

            async def create_user() -> None:
                user = await create_staff(
                    Actor.system("command line"), args.program, args.email, args.password, args.role
                )
                print(f"staff {user.email} ({user.role.value}) created in {args.program}")

            asyncio.run(_with_database(create_user))
        case "create-api-key":
            from gamification.accounts.api_keys import create_api_key
            from gamification.audit import Actor
            from gamification.programs.programs import program_by_slug

            async def create_key() -> None:
                owner = await program_by_slug(args.program)
                _, plaintext = await create_api_key(
                    Actor.system("command line"), owner.id, args.name
                )
                print(plaintext)

            asyncio.run(_with_database(create_key))
    return 0


async def _register_operations(files: list[Path]) -> int:
    from api.persisted_queries import OperationsFileError, PersistedQueries, read_operations
    from api.schema import schema

    try:
        documents = {
            digest: text
            for path in files
            for digest, text in read_operations(path, schema._schema).items()
        }
    except OperationsFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    settings = get_settings()
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    try:
        await ensure_redis(redis, settings.redis_url)
        store = PersistedQueries.from_settings(settings, redis)
        added = await store.register(documents)
        total = await store.registered_count()
    finally:
        await redis.aclose()
    print(
        f"registered {len(documents)} operations ({added} new, {total} in all) "
        f"under prefix {settings.persisted_queries_prefix}"
    )
    return 0


async def _rebuild_leaderboards(args: argparse.Namespace, at: datetime | None) -> None:
    from gamification import leaderboards
    from gamification.programs.models import Program
    from gamification.programs.programs import program_by_slug

    settings = get_settings()
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    try:
        await ensure_redis(redis, settings.redis_url)
        programs = (
            [(await program_by_slug(args.program)).id]
            if args.program
            else await Program.all().values_list("id", flat=True)
        )
        for program_id in programs:
            sizes = await leaderboards.rebuild_program(
                redis,
                program_id,
                boards=[args.board] if args.board else None,
                periods=[leaderboards.Period(args.period)] if args.period else None,
                at=at,
            )
            for key, size in sizes.items():
                print(f"{key}: {size} members")
    finally:
        await redis.aclose()


def _verify_draw(source: str) -> int:
    """Print the recomputed winners and checks as JSON; exit 1 if a published value disagrees."""
    import json

    from gamification.games.draws import verify

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
        result = verify(json.loads(text))
    except (OSError, KeyError, TypeError, ValueError) as error:
        print(f"error: not a draw record: {error!r}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


def _fetch_draw_record(args: argparse.Namespace) -> int:
    import json

    import httpx

    from api.draw_record import RecordUnavailable, fetch_record

    try:
        with httpx.Client(timeout=60) as client:
            record = fetch_record(client, args.url, args.contest, args.token, args.page_size)
    except (RecordUnavailable, httpx.HTTPError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    text = json.dumps(record)
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: {len(record['entryList'])} entries", file=sys.stderr)
    return 0


def _run(port: int, with_worker: bool) -> int:
    import uvicorn

    asyncio.run(_check_redis())
    # uvicorn re-raises a SIGTERM it caught once it has shut down; with the default handler that
    # ends this process at once, before `finally` stops the worker. Exiting instead runs it.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    worker = (
        subprocess.Popen([sys.executable, "-m", "arq", "workers.WorkerSettings"])
        if with_worker
        else None
    )
    try:
        # The app writes its own access log, with operation and request id (api/observability.py).
        # No per-message compression of WebSocket frames (subscriptions): docs/live.md.
        uvicorn.run(
            "api.asgi:app",
            host="127.0.0.1",
            port=port,
            log_level="info",
            access_log=False,
            ws_per_message_deflate=False,
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
