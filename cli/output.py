"""Output shared by every command: `--json` and how JSON is printed (UTF-8, Japanese as is)."""

from __future__ import annotations

import json

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
