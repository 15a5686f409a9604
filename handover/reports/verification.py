"""What auditors check in the ledger: full verification against trusted keys, inclusion and
consistency proofs, and the entries themselves. Thin over ledger/, errors lifted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import ledger
from handover.config import Settings
from handover.errors import HandoverError, VerificationFailed, lifted
from handover.files import write_bytes_atomically
from handover.model.consistency import Comparison, differences
from handover.model.database import open_database
from handover.model.signatures import SignatureAudit
from handover.model.journal import Journal
from handover.scanners import ScanError, decode_image
from handover.model.replay import Replay
from handover.model.replay import replay_rules as _replay_rules


def verify(settings: Settings, trusted_keys: list[Path], state: Path | None,
           all_signatures: bool = False, witness_keys: list[Path] = ()) -> ledger.VerifyReport:
    """Full replay against keys the auditor brings, then every entry's person signature
    (docs/signatures.md). With witness keys, every entry must be covered by a cosignature of
    one of those witnesses. Problems are in the report; call `require_ok` to turn them into
    an error after showing it."""
    engine = open_database(settings.db_url)
    with lifted():
        trusted = ledger.load_verifiers(trusted_keys or _default_trusted(settings))
        witnesses = ledger.load_witness_verifiers(witness_keys) if witness_keys else None
        with engine.connect() as conn:
            report = ledger.verify_log(conn, settings.log, trusted, state, all_signatures=all_signatures,
                                     witnesses=witnesses)
            if not report.ok:
                report.warnings.append("person signatures were not checked: the chain itself failed")
                return report
            audit = check_person_signatures(conn, settings.log)
    report.entry_signatures_checked = audit.checked
    report.problems.extend(ledger.Problem(p.failure, p.message, p.index) for p in audit.problems)
    return report


# Below this many entries, the checks run in this process (starting workers costs ~1 s).
PARALLEL_FROM = 50_000


def check_person_signatures(conn, log: str, *, workers: int | None = None) -> SignatureAudit:
    """Every entry's person signature, in index order, from the entries alone, the Ed25519
    checks spread over the machine's cores for large logs. Only after `verify_log` accepted
    the log: the entries are not checked for canonical form again."""
    if workers is None:
        workers = (os.cpu_count() or 1) if ledger.log_size(conn, log) >= PARALLEL_FROM else 1
    audit = SignatureAudit(workers=workers)
    for entry in ledger.read_entries(conn, log, verified=True):
        audit.feed(entry)
    return audit.finish()


def check_paper(settings: Settings, source: str, trusted_keys: list[Path]) -> ledger.PaperCheck:
    """Check the checkpoint printed on a filed 確認書 (a photo or scan of its QR, a text file,
    or the text itself) against the ledger as it is now."""
    engine = open_database(settings.db_url)
    text = _paper_text(source)
    with lifted():
        trusted = ledger.load_verifiers(trusted_keys or _default_trusted(settings))
        with engine.connect() as conn:
            return ledger.check_paper(conn, settings.log, text, trusted)


def _paper_text(source: str) -> str:
    path = Path(source)
    if path.is_file():
        try:
            head = path.read_bytes()[:64 * 1024 + 1]
        except OSError as e:
            raise HandoverError(f"cannot read {path}: {e.strerror}") from None
        if not head.startswith(b"handover/"):
            try:
                codes = decode_image(path)
            except ScanError as e:
                raise ScanError(e.message, "photograph or scan the checkpoint QR of the 確認書 "
                                "square-on and in focus, or give the printed text instead") from None
            with lifted():
                return ledger.paper_checkpoint(codes)
        if len(head) > 64 * 1024:
            raise HandoverError(f"{path} is too large to be a checkpoint",
                                "give the image of the QR code, or the checkpoint text")
        try:
            return head.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise HandoverError(f"{path} is not UTF-8 text",
                                "give the checkpoint exactly as printed, or a photo of its QR") from None
    if source.startswith("handover/") and "\n" in source:
        return source.replace("\r\n", "\n")
    raise HandoverError(f"{source!r} is neither a file nor a checkpoint text",
                        "give a photo or scan of the 確認書's checkpoint QR, a file holding the "
                        "checkpoint text, or the text itself")


def replay_rules(settings: Settings) -> Replay:
    """Every entry against the custody rules, in a fresh fold: what the rules would have
    refused (issue 13 §1). Reads the ledger only; the live tables are not consulted."""
    return _replay_rules(open_database(settings.db_url), settings.log)


def require_rules_kept(found: Replay) -> None:
    if found.findings:
        first = found.findings[0]
        raise VerificationFailed(
            f"{len(found.findings)} entr{'y' if len(found.findings) == 1 else 'ies'} of log "
            f"{found.log!r} break the custody rules (first: entry {first.index}, {first.rule}); "
            "they were appended without the rules' checks",
            "keep this output as evidence and report it as an incident; the entries stay in "
            "the log, which is append-only", failure="rule-violation", index=first.index)


def projection_differences(journal: Journal) -> Comparison:
    """The live custody tables against a fresh fold of the ledger (nothing is changed)."""
    return differences(journal.engine, journal.log)


def require_same_projection(found: Comparison) -> None:
    if found.differences:
        raise VerificationFailed(
            f"the custody tables of log {found.log!r} differ from the ledger in "
            f"{len(found.differences)} place(s): they were edited outside handover",
            "keep this output as evidence, report it as an incident, then run `handover rebuild`",
            failure="projection-drift")


def require_ok(report: ledger.VerifyReport) -> None:
    with lifted():
        report.raise_for_problems()


def export_proof(settings: Settings, out: Path, index: int | None = None,
                 old_size: int | None = None) -> dict:
    engine = open_database(settings.db_url)
    with lifted(), engine.connect() as conn:
        if old_size is not None:
            doc = ledger.export_consistency_proof(conn, settings.log, old_size)
        elif index is not None:
            doc = ledger.export_inclusion_proof(conn, settings.log, index)
        else:
            raise HandoverError("say which proof: an entry INDEX, or --consistency-from SIZE")
    try:
        write_bytes_atomically(out, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode())
    except OSError as e:
        raise HandoverError(f"cannot write proof file {out}: {e.strerror}",
                            "give --out a path in a directory you can write to") from None
    return doc


def check_proof(path: Path, trusted_keys: list[Path]) -> ledger.ProofResult:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise HandoverError(f"cannot read proof file {path}: {e.strerror}") from None
    with lifted():
        return ledger.verify_proof(data, ledger.load_verifiers(trusted_keys))


def show_entries(settings: Settings, start: int = 0, stop: int | None = None) -> list[ledger.Entry]:
    engine = open_database(settings.db_url)
    with lifted(), engine.connect() as conn:
        size = ledger.log_size(conn, settings.log)
        if start >= size and size:
            raise HandoverError(f"log {settings.log!r} has {size} entries; there is no entry {start}",
                                f"entries are numbered 0 to {size - 1}")
        return list(ledger.read_entries(conn, settings.log, start, stop))


def _default_trusted(settings: Settings) -> list[Path]:
    # Convenience for staff on the office machine only: the .pub beside the key file.
    # Auditors pass --trusted-key from their own copy.
    if not settings.public_key_path.exists():
        raise HandoverError("no trusted public key given",
                            "pass --trusted-key FILE (the .pub exported with the log's key)")
    return [settings.public_key_path]
