"""The custody domain: cases, rosters, media, notices, cabinets, handovers, documents."""

from handover.errors import HandoverError, NotFound, PolicyViolation, VerificationFailed

__all__ = ["HandoverError", "NotFound", "PolicyViolation", "VerificationFailed"]
