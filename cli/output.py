"""Output shared by every command: `--json` and how JSON is printed (UTF-8, Japanese as is);
the progress bar of long work (sealing, opening, verifying)."""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from typing import Iterator

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _stderr_is_terminal(stderr) -> bool:
    return stderr.isatty()


@contextmanager
def progress_bar(label: str) -> Iterator:
    """A progress callback drawing a bar on stderr (only when stderr is a terminal)."""
    state: dict = {}
    stderr = click.get_text_stream("stderr")
    if not _stderr_is_terminal(stderr):
        yield None  # no bar, and no stray label, when stderr is a file or a pipe
        return

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=max(total, 1), label=label,
                                                   file=stderr)
            bar.__enter__()
            state["done"] = 0
        bar.update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@contextmanager
def reporting_swept_parts() -> Iterator[None]:
    """Print, as warnings, each part file a killed earlier run left and this one removed
    (crypto.CrashedPartRemoved, imported only when the command runs)."""
    from crypto import CrashedPartRemoved
    with warnings.catch_warnings(record=True) as swept:
        warnings.simplefilter("always", CrashedPartRemoved)
        try:
            yield
        finally:
            for w in swept:
                if issubclass(w.category, CrashedPartRemoved):
                    click.echo(f"handover: warning: {w.message}", err=True)
