"""The documents package's one error: a record that cannot be printed as given.

Rendering has no failure modes of its own beyond misuse (a naive datetime, an unknown
handover moment, a label payload a scanner would garble), so one class is enough. Messages
name the field at fault and never echo a value that might be secret (a password group).
"""

from __future__ import annotations

from handover.errors import HandoverError


class DocumentError(HandoverError):
    """A document's input is invalid; the message names the field."""
