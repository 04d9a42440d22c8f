"""The `quartier` command line: parses arguments, builds Settings, calls one function."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

# node.db first: it keeps peewee from loading the PostgreSQL driver on a node that runs SQLite
from node import db  # noqa: F401
from node.settings import SettingsError, load_settings


def _settings(args: argparse.Namespace, **overrides):
    return load_settings(dict(os.environ), getattr(args, "config", None), **overrides)


def _import_aiohttp() -> None:
    """aiohttp imported with its CA certificates left for the first HTTPS request (node.tls),
    and without aiodns: aiohttp makes it its default resolver wherever it is installed (the
    test dependencies bring it, with c-ares: ~0.8 MB), while the node resolves in threads as a
    wheel install, which has no aiodns, does (SafeClient's ThreadedResolver, the geocoder)."""
    from node import tls

    hide = "aiohttp" not in sys.modules and "aiodns" not in sys.modules
    if hide:
        sys.modules["aiodns"] = None  # type: ignore[assignment]  # `import aiodns` fails
    try:
        with tls.deferred_ca_store():
            import aiohttp  # noqa: F401
    finally:
        if hide:
            del sys.modules["aiodns"]


def cmd_serve(args: argparse.Namespace) -> int:
    _import_aiohttp()
    from node import ops, supervise

    settings = _settings(args)
    supervise.check(settings, args.processes)
    if args.processes > 1:
        return supervise.serve_many(
            settings, args.config, args.host, args.port, args.processes, args.no_workers
        )
    if args.no_workers:
        settings = settings.replace(run_workers=False)
    ops.serve(settings, args.host, args.port, reuse_port=args.reuse_port)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _import_aiohttp()
    from node import ops
    from node.loops import new_loop

    settings = _settings(args)
    with asyncio.Runner(loop_factory=lambda: new_loop(settings.event_loop)) as runner:
        runner.run(ops.worker(settings))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from node import ops

    ran = ops.migrate(_settings(args))
    print("applied: " + ", ".join(ran) if ran else "database is up to date")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from node import demo

    demo.run(args)
    return 0


def cmd_create_quarter(args: argparse.Namespace) -> int:
    from node import ops

    boundary = Path(args.boundary).read_text(encoding="utf-8") if args.boundary else None
    postcodes = [p for p in (args.postcodes or "").split(",") if p.strip()]
    quarter = ops.create_quarter(
        _settings(args),
        args.slug,
        args.name,
        postcodes,
        boundary,
        args.rural,
        args.country or "",
        args.language or "",
        center=args.center,
        radius=args.radius,
        adjacent=args.adjacent,
    )
    print(f"quarter {quarter.slug} created (id {quarter.id})")
    return 0


def cmd_create_resident(args: argparse.Namespace) -> int:
    from node import ops

    resident = ops.create_resident(
        _settings(args),
        args.username,
        args.email,
        args.password,
        args.quarter,
        args.verified,
        args.role,
        args.display_name or args.username,
        args.language or "",
    )
    print(f"resident {resident.username} created (id {resident.id}, role {resident.role})")
    return 0


def cmd_create_token(args: argparse.Namespace) -> int:
    from node import ops

    print(ops.create_token(_settings(args), args.username, args.name or "cli"))
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from node import ops

    sent = ops.rotate_key(_settings(args), args.handle.lstrip("@"))
    print(f"new key for @{args.handle.lstrip('@')}; Update queued for {sent} inbox(es)")
    return 0


def cmd_trust_verifications(args: argparse.Namespace) -> int:
    from node import ops

    hosts = ops.trust_verifications(_settings(args), args.host, args.remove, args.note)
    print("nodes whose quarters' verifications are trusted: " + (", ".join(hosts) or "none"))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from node import stats

    stats.print_stats(_settings(args), args.json)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from node import backup

    try:
        done = backup.backup(_settings(args), Path(args.archive))
    except backup.BackupError as exc:
        print(f"quartier: {exc}", file=sys.stderr)
        return 1
    print(
        f"backup written to {done.archive}: database ({done.database_bytes} bytes, "
        f"{len(done.migrations)} migrations) and {done.files} file(s)"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from node import backup

    try:
        done = backup.restore(_settings(args), Path(args.archive), force=args.force)
    except backup.BackupError as exc:
        print(f"quartier: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored from {done.archive}: database ({done.database_bytes} bytes) and "
        f"{done.files} file(s); pending migrations run when the node starts"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quartier", description="A federated neighbourhood node.")
    parser.add_argument("--config", help="TOML settings file (QUARTIER_* variables override it)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the whole node (web and background workers)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--no-workers", action="store_true", help="web only (run `quartier worker` beside it)"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="N serve processes on one port, supervised by this one (PostgreSQL only)",
    )
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="bind with SO_REUSEPORT, to share the port with other serve processes",
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background workers without the web server")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply pending schema migrations")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="start ready-to-explore demo nodes with seeded content")
    demo.add_argument("--data-dir", default="./demo-data")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8401)
    demo.add_argument("--reset", action="store_true", help="start from empty databases")
    demo.add_argument("--one", action="store_true", help="only the French node (no second node)")
    demo.set_defaults(func=cmd_demo)

    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    cq = admin_sub.add_parser("create-quarter")
    cq.add_argument("--slug", required=True)
    cq.add_argument("--name", required=True)
    cq.add_argument("--postcodes", default="")
    cq.add_argument("--boundary", help="GeoJSON file with the quarter's polygon")
    cq.add_argument("--rural", action="store_true")
    cq.add_argument("--country", default="")
    cq.add_argument("--language", default="")
    cq.add_argument("--center", help="LAT,LON of the quarter's centre (with --radius: a circle)")
    cq.add_argument("--radius", help="METRES around --center: the quarter is that circle")
    cq.add_argument("--adjacent", help="slug,slug: existing quarters next to this one (both ways)")
    cq.set_defaults(func=cmd_create_quarter)

    cr = admin_sub.add_parser("create-resident")
    cr.add_argument("--username", required=True)
    cr.add_argument("--email", required=True)
    cr.add_argument("--password", required=True)
    cr.add_argument("--quarter", required=True)
    cr.add_argument("--verified", action="store_true")
    cr.add_argument(
        "--role", default="resident", choices=["resident", "ambassador", "moderator", "admin"]
    )
    cr.add_argument("--display-name", default="")
    cr.add_argument("--language", default="")
    cr.set_defaults(func=cmd_create_resident)

    ct = admin_sub.add_parser("create-token")
    ct.add_argument("--username", required=True)
    ct.add_argument("--name", default="")
    ct.set_defaults(func=cmd_create_token)

    rk = admin_sub.add_parser("rotate-key", help="new key for an actor, announced by Update")
    rk.add_argument("--handle", required=True)
    rk.set_defaults(func=cmd_rotate_key)

    tv = admin_sub.add_parser(
        "trust-verifications",
        help="accept the residence attestations of a node's quarters without a twinning",
    )
    tv.add_argument("--host", default="", help="the node's host (host[:port]); empty: list")
    tv.add_argument("--remove", action="store_true", help="stop trusting it")
    tv.add_argument("--note", default="", help="why it is trusted (shown on /admin/trusted-nodes)")
    tv.set_defaults(func=cmd_trust_verifications)

    st = admin_sub.add_parser("stats", help="queues, failing hosts, residents and the last 24 h")
    st.add_argument("--json", action="store_true", help="print JSON instead of text")
    st.set_defaults(func=cmd_stats)

    bk = admin_sub.add_parser(
        "backup", help="SQLite: one archive with a consistent copy of the database and the files"
    )
    bk.add_argument("archive", help="the .tar.gz file to write (must not exist)")
    bk.set_defaults(func=cmd_backup)

    rs = admin_sub.add_parser("restore", help="SQLite: put a backup archive back in place")
    rs.add_argument("archive", help="a .tar.gz written by `quartier admin backup`")
    rs.add_argument(
        "--force", action="store_true", help="replace an existing database (the node stopped)"
    )
    rs.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:  # the level may come from the TOML file too; a bad setting is reported by the command
        level = _settings(args).log_level
    except SettingsError:
        level = "INFO"
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from node.local.errors import DomainError

    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"quartier: configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        print(f"quartier: {exc.message}{' (' + details + ')' if details else ''}", file=sys.stderr)
        return 1
