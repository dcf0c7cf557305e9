"""``parley version``."""

import click

from parley import __version__


@click.command()
def version() -> None:
    """Print Parley's version."""
    click.echo(f"parley {__version__}")
