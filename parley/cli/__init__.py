"""The ``parley`` command line. Sub-commands are imported only when used, so ``--help`` is fast
and a command's dependencies (faust, Kafka clients) load only for that command."""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> (module:attribute, one-line help). A module is imported only when its command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "version": ("parley.cli.version:version", "Print Parley's version."),
    "classify": ("parley.cli.classify:classify", "Classify debtor replies (JSONL in, JSONL out)."),
    "templates": ("parley.cli.templates:templates", "Lint, preview and render message templates."),
    "replay": ("parley.cli.replay:replay", "Run an event file through the embedded runner on a virtual clock."),
    "demo": ("parley.cli.demo:demo", "Simulate a collection campaign on the embedded default, with a report."),
    "worker": ("parley.cli.worker:worker", "Run a stream-processing worker (faust on Kafka, state in Redis)."),
    "topics": ("parley.cli.topics:topics", "Create Parley's Kafka topics, or bring existing ones up to date."),
    "explain": ("parley.cli.explain:explain", "Explain a debtor's state and every channel's verdicts now."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target[0].split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        return command  # type: ignore[no-any-return]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Parley: decide whether, when and how to contact each debtor — within the law — and do it."""
