"""The consoles both halves of the CLI print on, and how an error is shown."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

out_console = Console()
err_console = Console(stderr=True)


def exit_with_error(message: str, *, label: str = "Error", code: int = 1) -> typer.Exit:
    """Print ``label: message`` in red on stderr and return the ``typer.Exit`` to raise.

    The message is escaped: server messages and hints hold brackets (``reelforge[server]``) that Rich
    would otherwise take for markup and drop."""
    err_console.print(f"[bold red]{escape(label)}:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)
