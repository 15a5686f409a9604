"""The model: events, the fold into the projection (tables + steps), the state read from it,
the policy that refuses, and the journal, the one place that records a fact."""
# Imported on first use (PEP 562): `handover.model.events` alone must not start SQLAlchemy.

from __future__ import annotations

import importlib

_EXPORTS = {
    "handover.model.journal": ("Journal", "Recorded", "Tx", "open_journal", "record"),
    "handover.model.prepared": ("PreparedAct", "prepare", "commit"),
    "handover.model.state": ("State",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["Journal", "PreparedAct", "Recorded", "State", "Tx", "commit", "open_journal",
           "prepare", "record"]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
