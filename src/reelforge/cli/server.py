"""Server commands: ``reelforge serve | worker | quickstart | accounts | keys | credits``.

They need ``reelforge[server]``. Every server module is imported inside the command that uses it
(under ``server_imports``), so this module loads with the client install alone, the client commands
work there, and a server command says which extra to install instead of failing on an import.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from reelforge.cli._output import exit_with_error, out_console
from reelforge.extras import ServerNotInstalledError, server_imports

if TYPE_CHECKING:
    from reelforge.settings import Settings

accounts_app = typer.Typer(help="Accounts (server).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (server).", no_args_is_help=True)
credits_app = typer.Typer(help="Credits (server).", no_args_is_help=True)



def server_command(func: Callable[..., None]) -> Callable[..., None]:
    """Run a command's server imports under ``server_imports``; a missing extra exits 1 with the hint."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> None:
        try:
            with server_imports(f"reelforge {func.__name__.split('_')[0]}"):
                func(*args, **kwargs)
        except ServerNotInstalledError as exc:
            raise exit_with_error(str(exc)) from exc

    return command

HostOpt = Annotated[str, typer.Option(help="Interface to bind.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def _settings(host: str | None = None, port: int | None = None) -> Settings:
    from reelforge.settings import Settings

    settings = Settings()
    if host is not None and port is not None and "REELFORGE_PUBLIC_BASE_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings.public_base_url = f"http://{shown}:{port}"
    return settings


def _serve(settings: Settings, host: str, port: int, workers: bool) -> None:
    import uvicorn

    from reelforge.api.app import create_app

    api = create_app(settings, queues=None if workers else [])
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)


@server_command
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    workers: Annotated[
        bool, typer.Option("--workers/--no-workers", help="Run job workers in this process (embedded default).")
    ] = True,
) -> None:
    """Run the HTTP API (with in-process workers unless --no-workers)."""
    settings = _settings(host, port)
    out_console.print(f"reelforge serving on [bold]{settings.public_base_url}[/] (docs: /docs)")
    _serve(settings, host, port, workers)


@server_command
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues: cpu,render,io,gpu.")] = "cpu,render,io,gpu",
    concurrency: Annotated[
        str | None,
        typer.Option(help="Jobs at once per queue in this process, e.g. render=1,cpu=2 (default: settings)."),
    ] = None,
    executor_id: Annotated[
        str | None, typer.Option(help="Unique id of this process in the cluster (default: hostname-pid).")
    ] = None,
) -> None:
    """Run a job worker process (no HTTP). Start any number, on any host sharing the database and files."""
    from reelforge.pipeline import engine
    from reelforge.pipeline.queue_limits import parse_concurrency, parse_queues
    from reelforge.runtime import init_runtime

    try:
        names = parse_queues(queues)
        limits = parse_concurrency(concurrency or "")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings = _settings()
    settings.queue_concurrency = {**settings.queue_concurrency, **limits}
    if executor_id:
        settings.executor_id = executor_id
    rt = init_runtime(settings)
    engine.start(rt, sorted({*names, engine.JOBS_QUEUE, engine.HELD_QUEUE}))
    janitor = engine.Janitor()
    janitor.start()
    # As the API does once started (api/app.py): the start-up heap lives as long as the process, so
    # full collections need not scan it (~150 ms each for the ~300 000 objects the server imports).
    gc.collect()
    gc.freeze()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    shown = {q: rt.settings.queue_concurrency.get(q) for q in names}
    out_console.print(f"reelforge worker {rt.settings.executor_id} on queues {shown}")
    stop.wait()
    janitor.stopped.set()
    engine.stop()


def _sample_data_url() -> str:
    """A small generated picture as a data: URL, so the printed example works offline."""
    import base64
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (96, 64), "#1d3557")
    draw = ImageDraw.Draw(img)
    draw.ellipse((20, 8, 76, 56), fill="#e63946")
    draw.rectangle((0, 48, 96, 64), fill="#a8dadc")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@server_command
def quickstart(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Create an account with starting credits and an API key, print how to call it, and serve."""
    from reelforge.core import accounts
    from reelforge.runtime import init_runtime

    settings = _settings(host, port)
    rt = init_runtime(settings)
    account = accounts.create_account(rt.db, "quickstart", settings.starting_credits)
    key = accounts.create_api_key(rt.db, account.id)
    base = settings.public_base_url
    out_console.print(
        f"""
[bold green]reelforge is starting[/]
  base URL : {base}
  API key  : [bold]{key.plaintext}[/]   (shown once; account {account.id}, {settings.starting_credits} credits)
  docs     : {base}/docs

Try it:
  curl -s {base}/v1/credits -H "Authorization: Bearer {key.plaintext}"
  curl -s -X POST {base}/v1/image/enhance -H "Authorization: Bearer {key.plaintext}" \\
       -H "Content-Type: application/json" \\
       -d '{{"image_url": "{_sample_data_url()}", "resolution": "1k"}}'
  curl -s "{base}/v1/status?request_id=<request_id>" -H "Authorization: Bearer {key.plaintext}"
""",
        highlight=False,
        soft_wrap=True,
    )
    _serve(settings, host, port, True)


@accounts_app.command("create")
@server_command
def accounts_create(
    name: str,
    credits: Annotated[int, typer.Option(help="Starting credits.")] = 0,
    with_key: Annotated[bool, typer.Option("--with-key/--no-key")] = True,
) -> None:
    """Create an account (and, by default, an API key for it). Prints JSON."""
    from reelforge.core import accounts
    from reelforge.runtime import init_runtime

    rt = init_runtime(_settings())
    account = accounts.create_account(rt.db, name, credits)
    out: dict[str, object] = {"account_id": account.id, "name": name, "credits": credits}
    if with_key:
        out["api_key"] = accounts.create_api_key(rt.db, account.id).plaintext
    typer.echo(json.dumps(out))


@keys_app.command("create")
@server_command
def keys_create(account_id: str) -> None:
    """Create another API key for an account. Prints JSON with the key (shown once)."""
    from reelforge.core import accounts
    from reelforge.runtime import init_runtime

    rt = init_runtime(_settings())
    key = accounts.create_api_key(rt.db, account_id)
    typer.echo(json.dumps({"account_id": account_id, "key_id": key.key_id, "api_key": key.plaintext}))


@credits_app.command("grant")
@server_command
def credits_grant(account_id: str, amount: int, note: Annotated[str, typer.Option()] = "manual grant") -> None:
    """Grant credits to an account (a ledger entry). Prints the new balance."""
    from reelforge.core import ledger
    from reelforge.runtime import init_runtime

    if amount <= 0:
        raise typer.BadParameter("amount must be positive", param_hint="AMOUNT")
    rt = init_runtime(_settings())
    balance = ledger.post(rt.db, account_id, "grant", amount, note=note)
    typer.echo(json.dumps({"account_id": account_id, "granted": amount, "balance": balance}))


@credits_app.command("confirm")
@server_command
def credits_confirm(payment_id: str) -> None:
    """Confirm a pending offline payment (a recharge or auto-recharge): grants its credits once."""
    from reelforge.core import payments
    from reelforge.runtime import init_runtime

    rt = init_runtime(_settings())
    granted = payments.confirm(rt.db, payment_id)
    typer.echo(json.dumps({"payment_id": payment_id, "granted": granted}))


@credits_app.command("pending")
@server_command
def credits_pending() -> None:
    """Pending payments awaiting confirmation, oldest first (one JSON object a line)."""
    from sqlalchemy import select

    from reelforge.core import payments
    from reelforge.db.models import Payment
    from reelforge.runtime import init_runtime

    rt = init_runtime(_settings())
    with rt.db.session() as s:
        rows = s.execute(select(Payment).where(Payment.status == "pending").order_by(Payment.created_at)).scalars()
        for row in rows:
            typer.echo(json.dumps({"account_id": row.account_id, **payments.status_body(row)}))



def register(app: typer.Typer) -> None:
    """Add the server commands to the ``reelforge`` CLI."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("quickstart")(quickstart)
    app.add_typer(accounts_app, name="accounts")
    app.add_typer(keys_app, name="keys")
    app.add_typer(credits_app, name="credits")
