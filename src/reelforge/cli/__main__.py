"""``python -m reelforge.cli``: the same command as the ``reelforge`` entry point."""

from reelforge.cli import app

app(prog_name="reelforge")
