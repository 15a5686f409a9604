"""LGWAN transfers with receipt by hash (000 【システム上の対策】, 004 受託事業者 6).

Staff upload a sealed package to the contractor's LGWAN-ASP service and record it: the
provide handover (its 確認書 counts the file in 件) and, in the same transaction, the
transfer — package, file name, size and SHA-256, service, sender and workstation. The file
must be the package as sealed and named by its ID only. A rostered person of the contractor
then points the tool at the downloaded file: on a match the receipt is recorded as the
confirmation of the handover; on a mismatch nothing is received, an incident is opened and
the person is told not to open the file. The password notice still goes by hand or
registered mail on another day, under the ordinary rules; the file is later erased (§2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from handover import ids
from handover.actions.handovers import (HandoverRecord, HandoverRequest, handover_event,
                                        record_and_print, write_kakuninsho)
from handover.actions.incidents import incident_event
from handover.errors import HandoverError, VerificationFailed
from handover.files import make_output_dir
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Tx, record

_CHUNK = 1 << 20
MAX_SERVICE = 100


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks (packages run to gigabytes)."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as e:
        raise HandoverError(f"cannot read {path}: {e.strerror or e}",
                            "give the path of the package file") from None
    return size, digest.hexdigest()


@dataclass(frozen=True)
class Sent:
    transfer_id: str
    handover: HandoverRecord
    sha256: str
    size: int

    def as_json(self) -> dict:
        return {"transfer_id": self.transfer_id, **self.handover.as_json(),
                "sha256": self.sha256, "size": self.size}


def send_file(journal: Journal, actor: str, medium_id: str, path: Path | str, *, service: str,
              to_person: str, occurred_at: dt.datetime | None = None,
              pdf_dir: Path | str | None = None) -> Sent:
    """Record that the package of LGWAN medium `medium_id`, the file at `path`, was uploaded
    to `service` for `to_person`, from this workstation, by the acting staff member."""
    path = Path(path)
    service = " ".join((service or "").split())
    if not service:
        raise HandoverError("name the LGWAN-ASP service the file was uploaded to",
                            "use --service NAME")
    if len(service) > MAX_SERVICE:
        raise HandoverError(f"the service name is {len(service)} characters long "
                            f"(at most {MAX_SERVICE})")
    medium_id = ids.parse_id(medium_id, "medium")
    size, sha256 = file_digest(path)
    with journal.reading() as st:
        case_id = st.item(medium_id).case_id
    req = HandoverRequest(case_id, ev.PROVIDE, actor, to_person, ev.LGWAN, items=(medium_id,),
                          occurred_at=occurred_at).normalized()
    handover_id, transfer_id = ids.new_id("H"), ids.new_id("T")

    def build(tx: Tx):
        # The rules (the workstation, the file is the package): policy/acts.py.
        st = tx.state
        event = handover_event(tx, req, handover_id, [])
        workstation = st.workstation_by_host(journal.host)
        medium = st.item(medium_id)
        return [event, ev.LgwanFileSent(
            transfer_id, handover_id, medium_id, medium.package_id, case_id, path.name, size,
            sha256, service, tx.actor_id,
            workstation.workstation_id if workstation else "")], None

    done = record_and_print(journal, actor, build, handover_id, pdf_dir)
    return Sent(transfer_id, done, sha256, size)


@dataclass(frozen=True)
class Received:
    transfer_id: str
    handover: HandoverRecord
    sha256: str

    def as_json(self) -> dict:
        return {"transfer_id": self.transfer_id, "received": True, "sha256": self.sha256,
                **self.handover.as_json()}


def _transfer_of(journal: Journal, path: Path, transfer_id: str | None) -> str:
    """The transfer a downloaded file answers: named, or found by the package ID that is the
    file's name and still awaiting receipt."""
    if transfer_id is not None:
        return ids.parse_id(transfer_id, "LGWAN transfer")
    try:
        package_id = ids.parse_id(path.name.removesuffix(".hop"), "package")
    except HandoverError:
        raise HandoverError(f"{path.name} is not named by a package ID (P-….hop), so which "
                            "transfer it answers is not known",
                            "name it with --transfer T-… (from the ward's send record)") from None
    with journal.reading() as st:
        waiting = [t for t in st.lgwan_transfers(package_id=package_id) if t.received_by is None]
        if not waiting:
            sent = st.lgwan_transfers(package_id=package_id)
            raise HandoverError(
                f"no upload of package {package_id} awaits receipt"
                + (f" (received by {st.label(sent[-1].received_by)})" if sent else ""),
                f"see `handover history {package_id}`")
        return waiting[-1].transfer_id


def receive_file(journal: Journal, actor: str, path: Path | str, *,
                 transfer_id: str | None = None, pdf_dir: Path | str | None = None) -> Received:
    """Confirm receipt of a downloaded LGWAN file by its SHA-256. A mismatch records an
    incident (hash-mismatch) instead of the receipt and raises VerificationFailed."""
    path = Path(path)
    transfer_id = _transfer_of(journal, path, transfer_id)
    _, sha256 = file_digest(path)
    return receive_by_hash(journal, actor, transfer_id, sha256, file_name=path.name,
                           pdf_dir=pdf_dir)


def receive_by_hash(journal: Journal, actor: str, transfer_id: str, sha256: str, *,
                    file_name: str = "", pdf_dir: Path | str | None = None) -> Received:
    """`receive_file` when only the file's SHA-256 is known: the web page computes it in the
    contractor's browser, so the file never leaves their computer."""
    transfer_id = ids.parse_id(transfer_id, "LGWAN transfer")
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise HandoverError(f"{sha256[:80]!r} is not a SHA-256 (64 hexadecimal digits)",
                            "compute the hash of the downloaded file again")
    file_name = file_name or "(name not given)"
    outcome: dict = {}

    def build(tx: Tx):
        st = tx.state
        transfer = st.lgwan_transfer(transfer_id)
        handover = st.handover(transfer.handover_id)
        case = policy.require_open_case(st, transfer.case_id)
        policy.require_receiving_party(st, handover, tx.actor_id)
        policy.require_on_roster(st, case, tx.actor_id, "confirm receipt of its files")
        if sha256 != transfer.sha256:
            event = incident_event(
                st, case, ev.HASH_MISMATCH,
                f"LGWANで受信したファイル {file_name} のSHA-256 {sha256} が送信記録 "
                f"{transfer.transfer_id} の {transfer.sha256} と一致しない",
                tx.actor_id, tx.now, items=[transfer.medium_id], source=ev.BY_RECEIPT)
            outcome["incident"] = event.incident_id
            return [event], None
        return [ev.HandoverConfirmed(handover.handover_id, tx.actor_id, tx.now.isoformat(),
                                     "LGWAN受信 SHA-256照合一致"),
                ev.LgwanFileReceived(transfer_id, tx.actor_id, sha256)], None

    with journal.reading() as st:
        handover_id = st.lgwan_transfer(transfer_id).handover_id
    if pdf_dir is not None:
        make_output_dir(pdf_dir, "確認書")
    done = record(journal, actor, build)
    if "incident" not in outcome:
        entry = done.entries[0]
        pdf = None if pdf_dir is None else write_kakuninsho(
            journal, handover_id, done.checkpoint, entry.index, Path(pdf_dir),
            f"the receipt of {transfer_id} was recorded (entry {entry.index})")
        return Received(transfer_id, HandoverRecord(handover_id, entry.index,
                                                    done.checkpoint.size, pdf), sha256)
    incident = outcome["incident"]
    raise VerificationFailed(
        f"{file_name} does not match what was sent (SHA-256 {sha256}, sent {transfer_id}); "
        f"nothing was recorded as received and incident {incident} was opened / "
        f"受信したファイルが送信記録と一致しません。ファイルを開かないでください（事故報告 {incident}）",
        "do NOT open the file: delete the download, tell the ward, and have it sent again")
