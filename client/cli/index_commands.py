"""``ecoledger index run|status`` and ``ecoledger console``: the ledger index and the web console on it.

The database is a SQLAlchemy URL (``--db`` or ``ECOLEDGER_INDEX_DB``); the
default is a SQLite file per identity under the network's home,
``<home>/<consortium>/index/<identity>.sqlite``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from client.cli.errors import CommandError
from client.cli.options import EcoledgerGroup, pass_app

if TYPE_CHECKING:
    from client.cli.context import AppContext

DB_OPTION = click.option("--db", "db_url", envvar="ECOLEDGER_INDEX_DB", metavar="URL",
                         help="Index database: a SQLAlchemy URL, e.g. postgresql://user@host:5432/ecoledger "
                              "(env ECOLEDGER_INDEX_DB; default: a SQLite file under the network's home).")


def _engine(app: AppContext, db_url: str | None) -> Any:
    from client.index import store

    if not app.identity:
        raise CommandError("no identity chosen: pass --as NAME (the index holds what its organization may see)")
    url = db_url or store.default_url(app.network.layout.root, app.identity)
    try:
        return store.open_engine(url)
    except Exception as err:  # a wrong URL, a server that is down: one line, not a traceback
        if isinstance(err, (ImportError,)) or err.__class__.__module__.startswith("sqlalchemy"):
            raise CommandError(f"cannot open the index database: {str(err).splitlines()[0]}") from err
        raise


def _who(app: AppContext) -> tuple[Any, Any]:
    session = app.session
    return session.profile(app.identity), session.entry(app.identity)


@click.group("index", cls=EcoledgerGroup)
def index_group() -> None:
    """The ledger index: blocks of your organization's channels in a SQL database."""


@index_group.command("run")
@DB_OPTION
@click.option("--follow/--once", default=True, show_default=True,
              help="Keep following new blocks, or stop once the peer's current height is indexed.")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable; default: all of yours).")
@click.option("--throttle", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to pause after each block (to spare a busy peer during catch-up).")
@click.option("--quiet", is_flag=True, help="No line per block.")
@pass_app
def run(app: AppContext, db_url: str | None, follow: bool, channels: tuple[str, ...], throttle: float,
        quiet: bool) -> None:
    """Index blocks from the checkpoint on; each block and its checkpoint are written in one transaction.

    Safe to stop at any moment (even kill -9): the next run continues at the exact next block."""
    import asyncio

    from client.index.decode import BlockDecodeError
    from client.index.follow import channels_of, run_index
    from client.index.store import CheckpointConflict

    engine = _engine(app, db_url)
    profile, entry = _who(app)
    unknown = set(channels) - set(channels_of(profile))
    if unknown:
        raise CommandError(f"organization {profile.code} is not on channel(s) {', '.join(sorted(unknown))}")
    echo = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    try:
        written = asyncio.run(run_index(profile, entry, engine, follow=follow, throttle=throttle,
                                        channels=channels or None, progress=echo))
    except KeyboardInterrupt:
        return
    except (BlockDecodeError, CheckpointConflict) as err:
        raise CommandError(str(err)) from err
    finally:
        engine.dispose()
    if app.as_json:
        from client.cli.output import emit_json

        emit_json({"written": written})
    else:
        for name, count in written.items():
            click.echo(f"{name}: {count} block(s) indexed")


@index_group.command("status")
@DB_OPTION
@pass_app
def status(app: AppContext, db_url: str | None) -> None:
    """Each channel's indexed height against the peer's height."""
    import asyncio

    from client.cli.output import show
    from client.index.follow import index_status

    engine = _engine(app, db_url)
    profile, entry = _who(app)
    try:
        rows = asyncio.run(index_status(profile, entry, engine))
    finally:
        engine.dispose()
    show([r.as_dict() for r in rows], app.as_json,
         [[r.channel, r.indexed, r.peer, r.lag, {None: "", True: "yes", False: "NO"}[r.hash_matches]] for r in rows],
         ["channel", "indexed", "peer", "lag", "hash matches"])


@click.command("console", cls=EcoledgerGroup.command_class)
@DB_OPTION
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; other than localhost needs --token or mutual TLS.")
@click.option("--token", envvar="ECOLEDGER_CONSOLE_TOKEN",
              help="Bearer token required on every request (env ECOLEDGER_CONSOLE_TOKEN; 32+ characters).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Server certificate (PEM).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="Server key (PEM).")
@click.option("--client-ca", type=click.Path(exists=True, dir_okay=False),
              help="CA certificates (PEM) whose client certificates are admitted: the consortium's CAs.")
@click.option("--live/--no-live", default=True, show_default=True, help="Read peer heights live through the Gateway.")
@pass_app
def console(app: AppContext, db_url: str | None, port: int, host: str, token: str | None, tls_cert: str | None,
            tls_key: str | None, client_ca: str | None, live: bool) -> None:
    """Serve the read-only web console of the index (as --as IDENTITY's organization)."""
    from client.console.security import BindingRefused, check_binding

    try:
        access = check_binding(host, token=token, tls_cert=tls_cert, tls_key=tls_key, client_ca=client_ca)
    except BindingRefused as err:
        raise CommandError(str(err)) from err
    import uvicorn

    from client.console.app import create_app
    from client.console.serve import server_config

    engine = _engine(app, db_url)
    ctx = console_context(app, engine, live)
    config = server_config(create_app(ctx), port=port, access=access, tls_cert=tls_cert, tls_key=tls_key,
                           client_ca=client_ca, log_level=os.environ.get("ECOLEDGER_CONSOLE_LOG", "warning"))
    scheme = "https" if access.mutual_tls else "http"
    click.echo(f"console of {ctx.org} ({ctx.identity}) on {scheme}://{host}:{port}/", err=True)
    uvicorn.Server(config).run()


def console_context(app: AppContext, engine: Any, live: bool) -> Any:
    import threading
    import time
    import urllib.request

    from client.console.views.common import ConsoleContext
    from client.index.follow import channels_of

    profile, _ = _who(app)
    channels = channels_of(profile)
    lock = threading.Lock()
    cache: dict[str, Any] = {"at": 0.0, "heights": {}}

    def peer_heights() -> dict[str, int]:
        if not live:
            return {}
        with lock:
            if time.monotonic() - cache["at"] > 2.0:
                heights = {}
                try:
                    gateway = app.session.gateway(app.identity)
                    for c in channels:
                        heights[c] = gateway.get_network(c).query_chain_info().height
                except Exception:  # the peer is down: the console still serves the index
                    heights = {}
                cache.update(at=time.monotonic(), heights=heights)
            return dict(cache["heights"])

    def health() -> list[dict[str, Any]]:
        try:
            org = next(o for o in app.network.consortium.organizations if o.code == profile.code)
        except Exception:
            return []
        nodes = [(p.name, p.operations_port) for p in org.peers] + [(org.orderer_name, org.orderer_operations_port)]
        out = []
        for name, op_port in nodes:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{op_port}/healthz", timeout=1.0) as r:
                    out.append({"node": name, "status": "OK" if r.status == 200 else f"HTTP {r.status}"})
            except Exception as err:
                out.append({"node": name, "status": f"unreachable ({type(err).__name__})"})
        return out

    def evaluate(function: str, args: dict[str, Any]) -> Any:
        with lock:
            contract = app.session.contract(app.identity)
        return contract.evaluate(function, args)

    return ConsoleContext(engine=engine, identity=app.identity or "", org=profile.code, msp_id=profile.msp_id,
                          channels=channels, kind=profile.organization.kind, peer_heights=peer_heights, health=health,
                          evaluate=evaluate if live else None)
