"""The `searcher` command: parses arguments, calls the library, prints results; errors become one-line messages."""

from __future__ import annotations

import click

from . import __version__


@click.group()
@click.version_option(__version__, prog_name="searcher")
def cli() -> None:
    """Full-text search for Chinese news archives."""


def main() -> None:
    cli()
