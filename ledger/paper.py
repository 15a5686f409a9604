"""Paper checkpoints as evidence: a checkpoint printed on a filed 確認書, checked against the
ledger as it is today.

The paper is out of the writer's reach once filed. If its checkpoint carries the log key's
signature, the ledger must still hash to the printed root at the printed size, and today's
newest signed checkpoint must extend it (a consistency proof). A ledger rewritten behind the
paper's back, even one re-signed with the log key, fails naming the printed size.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ledger import note
from ledger.checkpoints import SignedCheckpoint, open_checkpoint, stored_checkpoints
from ledger.encoding import genesis_hash
from ledger.errors import VerificationError
from ledger.replay import Replay
from ledger.rfc6962 import RootBuilder, consistency_proof, verify_consistency
from ledger.schema import entries

_HINT = ("do not trust this ledger: keep the paper, compare with backups and other filed "
         "確認書, and report it as an incident")


@dataclass(frozen=True)
class PaperCheck:
    paper: SignedCheckpoint
    head: SignedCheckpoint
    proof: list[bytes]

    def as_json(self) -> dict:
        return {"ok": True, "log": self.paper.log, "paper_size": self.paper.size,
                "paper_root": self.paper.root_hash.hex(), "head_size": self.head.size,
                "head_root": self.head.root_hash.hex(), "consistency_proof": [h.hex() for h in self.proof]}


def paper_checkpoint(texts: list[str]) -> str:
    """The signed checkpoint among the texts read off a page (a 確認書 may carry other codes)."""
    notes = [t for t in texts if "\n\n" in t and t.startswith("handover/")]
    if not notes:
        raise VerificationError(
            f"none of the {len(texts)} code(s) read holds a ledger checkpoint",
            failure="paper-format", hint="scan the checkpoint QR printed on the 確認書")
    return notes[0]


def check_paper(conn: sa.Connection, log: str, text: str, trusted: list[note.Verifier]) -> PaperCheck:
    """Check the printed checkpoint `text` against the ledger. Raises VerificationError."""
    paper = open_checkpoint(text, log, trusted)
    stored = stored_checkpoints(conn, log)
    if not stored:
        raise VerificationError(
            f"log {log!r} has no signed checkpoint, but the paper shows one of size {paper.size}: "
            "the ledger was replaced or emptied", failure="paper-rollback", index=0, hint=_HINT)
    head = open_checkpoint(stored[-1][1], log, trusted)
    if head.size < paper.size:
        raise VerificationError(
            f"the paper shows log {log!r} at size {paper.size}, but the newest checkpoint in the "
            f"ledger has size {head.size}: entries were removed (rolled back)",
            failure="paper-rollback", index=head.size, hint=_HINT)

    # Replay the entries (hashes, chain, canonical form) up to today's head, taking the
    # root at the paper's size on the way.
    roots: dict[int, bytes] = {}
    leaves: list[bytes] = []
    replay = Replay(log, 0, genesis_hash(log), RootBuilder(), {paper.size, head.size},
                    lambda n, root: roots.__setitem__(n, root))
    rows = conn.execute(
        sa.select(entries.c.idx, entries.c.entry, entries.c.hash)
        .where(entries.c.log == log, entries.c.idx < head.size).order_by(entries.c.idx),
        execution_options={"yield_per": 10_000})
    replay.feed(_keeping(rows, leaves))
    rows.close()
    if paper.size not in roots:
        why = replay.problem.message if replay.problem else f"the log has only {replay.size} entries"
        raise VerificationError(
            f"the ledger cannot be checked against the paper's size {paper.size}: {why}",
            failure="paper-mismatch", index=replay.problem.index if replay.problem else replay.size,
            hint=_HINT)
    if roots[paper.size] != paper.root_hash:
        raise VerificationError(
            f"the ledger was rewritten: its first {paper.size} entries do not hash to the root "
            f"printed on the paper for size {paper.size} ({paper.root_hash.hex()[:16]}…; the "
            f"ledger gives {roots[paper.size].hex()[:16]}…)", failure="paper-mismatch", hint=_HINT)
    if roots.get(head.size) != head.root_hash:
        why = replay.problem.message if replay.problem else "its entries do not hash to its root"
        raise VerificationError(
            f"the ledger's newest checkpoint (size {head.size}) does not match the entries: {why}",
            failure="checkpoint-mismatch", index=replay.problem.index if replay.problem else None,
            hint="run `handover ledger verify`")
    proof = consistency_proof(leaves, paper.size, head.size)
    verify_consistency(paper.size, head.size, paper.root_hash, head.root_hash, proof)
    return PaperCheck(paper, head, proof)


def _keeping(rows, leaves: list[bytes]):
    for row in rows:
        leaves.append(row[2])
        yield row
