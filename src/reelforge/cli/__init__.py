"""The ``reelforge`` command.

Server commands (``serve``, ``worker``, ``quickstart``, ``accounts``, ``keys``, ``credits``) are in
:mod:`reelforge.cli.server` and need ``reelforge[server]``; client commands (``video``, ``image``,
``receipts``, ``status``, ``banner``) are in :mod:`reelforge.cli.client` and need only the client
install. Both register on one Typer app, so ``reelforge --help`` lists everything either way.
"""

from __future__ import annotations

import typer

from reelforge.cli import client, server

app = typer.Typer(help="reelforge: self-hostable media generation (Samsar-compatible API).", no_args_is_help=True)
server.register(app)
client.register(app)

__all__ = ["app"]
