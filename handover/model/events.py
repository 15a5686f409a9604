"""The custody events: every fact the ward records is one of these, as one ledger entry.

Events are small frozen dataclasses named in the past tense (STYLE.md, after eventsourcing's
examples). `KIND` is the ledger entry kind; the dataclass fields are the entry's payload,
plain JSON (strings, integers, lists, maps; no floats, no datetimes: times are ISO 8601
strings with +09:00). `journal.record` adds `origin` (the operating-system account and host
that made the entry, REQUIREMENTS.md rule 9) beside the fields.

Never change the meaning of a field once entries carry it: the projection is rebuilt by
refolding every entry ever written. Add a field with a default instead.

What is deliberately absent: passwords, file names and any plaintext of an extract. A
package is described by its ID, SHA-256, sizes, record count and the content description
staff typed (情報の内容), nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

import ledger

# Organisation kinds.
WARD, CONTRACTOR, SUBCONTRACTOR = "ward", "contractor", "subcontractor"
ORG_KINDS = (WARD, CONTRACTOR, SUBCONTRACTOR)

# Person roles (REQUIREMENTS.md, "The people").
STAFF, HANDLER, RESPONSIBLE, COURIER, AUDITOR = (
    "staff", "contractor_handler", "responsible_handler", "courier", "auditor")
PERSON_ROLES = (STAFF, HANDLER, RESPONSIBLE, COURIER, AUDITOR)
ROLE_LABELS = {STAFF: "区職員", HANDLER: "取扱者", RESPONSIBLE: "取扱責任者",
               COURIER: "運搬者", AUDITOR: "監査担当"}

# Roster roles on a case (004 受託事業者 3: 取扱責任者及び取扱者の名簿).
ROSTER_RESPONSIBLE, ROSTER_HANDLER = "responsible", "handler"
ROSTER_ROLES = (ROSTER_RESPONSIBLE, ROSTER_HANDLER)

# Handover moments: the three of 004 区が行う対策 6, plus a transfer between contractors
# (委託先 → 再委託先), which 004 also needs because printing is sub-contracted, and the
# delivery of a report the contractor sealed for the ward (報告データの納品, 004 受託事業者 6).
PROVIDE, DELIVER, RETURN, TRANSFER, REPORT = "provide", "deliver", "return", "transfer", "report"
MOMENTS = (PROVIDE, DELIVER, RETURN, TRANSFER, REPORT)

# Handover methods (documents/words.py has their Japanese names, and the moments').
HAND, REGISTERED_MAIL, LGWAN = "hand", "registered_mail", "lgwan"
METHODS = (HAND, REGISTERED_MAIL, LGWAN)

# The checklist of an on-site inspection (立入調査): the measures every case's contractor
# promised (004 受託事業者 3-10, 000 特記事項), each found in order, deficient, or not
# applicable (no printing sub-contracted, nothing yet to erase). Japanese as the record prints.
INSPECTION_CHECKS = {
    "locked-storage": "媒体・通知書の施錠保管",
    "roster-current": "取扱者名簿が最新であること",
    "entry-exit-records": "作業場所の入退室記録",
    "print-logs": "印刷ログ",
    "erasure": "不要となった個人情報の消去",
}
FINDING_OK, FINDING_DEFICIENT, FINDING_NA = "ok", "deficient", "n/a"
FINDING_RESULTS = {FINDING_OK: "適", FINDING_DEFICIENT: "要改善", FINDING_NA: "該当なし"}

# Item kinds in the projection; media kinds as crypto/media.py names them.
MEDIUM, NOTICE, ENVELOPES = "medium", "notice", "envelopes"
MEDIUM_KINDS = {"dvd-r": "DVD-R", "cd-r": "CD-R", "usb": "USB", "lgwan": "LGWANファイル",
                "dvd-r-dl": "DVD-R DL", "bd-r": "BD-R"}
LGWAN_FILE = "lgwan"            # the medium kind of a package sent over LGWAN: a file, never a disc

# What went wrong, for an incident report (事故報告; every 特記事項: 事故が発生し…書面をもって報告).
LOSS, MISDELIVERY, LABEL_DAMAGED, LABEL_FORGED, HASH_MISMATCH, SEAL_BROKEN, UNAUTHORISED, OTHER = (
    "loss", "misdelivery", "label-damaged", "label-forged", "hash-mismatch", "seal-broken",
    "unauthorised-person", "other")
INCIDENT_CATEGORIES = {LOSS: "紛失", MISDELIVERY: "誤送付・誤配送", LABEL_DAMAGED: "ラベルの破損",
                       LABEL_FORGED: "ラベルの偽造", HASH_MISMATCH: "受信ファイルのハッシュ不一致",
                       SEAL_BROKEN: "受領時の封緘破損", UNAUTHORISED: "権限のない者の関与",
                       OTHER: "その他"}
# Erasure methods, in NIST SP 800-88's vocabulary with the Japanese a 消去証明書 prints.
ERASURE_METHODS = {"clear": "上書き消去", "purge": "暗号化消去・完全消去", "destroy": "物理破壊"}

# Incidents the system opens itself, and why (the `source` of IncidentReported).
BY_PERSON, BY_RECEIPT, BY_SCAN, BY_OVERDUE = "person", "receipt", "scan", "overdue"


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def plain(value: Any) -> Any:
    """Frozen values back as JSON lists and dicts."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Event:
    """Lists and maps are frozen on construction (tuples, read-only mappings), so an event
    read back from the ledger cannot be changed by the code it is handed to."""
    KIND: ClassVar[str]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name)))

    def to_payload(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class OrganisationRegistered(Event):
    KIND: ClassVar[str] = "OrganisationRegistered"
    org_id: str
    name: str
    kind: str                       # ward / contractor / subcontractor
    parent_id: str | None = None    # a sub-contractor's contractor


@dataclass(frozen=True)
class PersonRegistered(Event):
    KIND: ClassVar[str] = "PersonRegistered"
    person_id: str
    name: str
    org_id: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CabinetRegistered(Event):
    KIND: ClassVar[str] = "CabinetRegistered"
    cabinet_id: str
    name: str
    org_id: str
    location: str = ""
    key_holders: tuple[str, ...] = ()   # person IDs


@dataclass(frozen=True)
class CabinetKeyHoldersChanged(Event):
    KIND: ClassVar[str] = "CabinetKeyHoldersChanged"
    cabinet_id: str
    key_holders: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class WorkstationRegistered(Event):
    KIND: ClassVar[str] = "WorkstationRegistered"
    workstation_id: str
    hostname: str
    name: str = ""
    # The organisation whose computer it is: a contractor's designated computer seals its
    # reports to the ward (004 受託事業者 6). None: the ward's own (entries before the field).
    org_id: str | None = None


@dataclass(frozen=True)
class WorkstationAuthorised(Event):
    """004 システム上の対策 1: only designated computers write personal data to media."""
    KIND: ClassVar[str] = "WorkstationAuthorised"
    workstation_id: str
    case_id: str


@dataclass(frozen=True)
class CaseOpened(Event):
    KIND: ClassVar[str] = "CaseOpened"
    case_id: str
    name: str
    ward_org_id: str
    contractors: tuple[str, ...]          # organisation IDs, contractor first
    period_start: str               # ISO date
    period_end: str                 # ISO date: media still out after it are overdue
    roster: tuple[Mapping, ...]            # [{"person_id": U-…, "role": responsible|handler}]
    separation_minutes: int | None = None   # None: medium and notice on different days


@dataclass(frozen=True)
class RosterChanged(Event):
    KIND: ClassVar[str] = "RosterChanged"
    case_id: str
    added: tuple[Mapping, ...] = ()
    removed: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class CaseClosed(Event):
    KIND: ClassVar[str] = "CaseClosed"
    case_id: str
    reason: str = ""
    override_reason: str | None = None     # closed with items still out or unconfirmed handovers
    overrides: tuple[Mapping, ...] = ()  # [{"rule", "item", "message"}]


@dataclass(frozen=True)
class PackageSealed(Event):
    KIND: ClassVar[str] = "PackageSealed"
    package_id: str
    case_id: str
    sha256: str
    size: int
    record_count: int
    file_count: int
    content: str                    # 情報の内容, as staff describe it
    workstation_id: str
    kdf: Mapping = field(default_factory=dict)
    # Where the sealing workstation put the files (named by IDs, never personal data), so
    # that `status` can tell a seal interrupted between recording and release.
    package_file: str = ""
    notice_file: str = ""
    # A report the contractor sealed for the ward (004 受託事業者 6): its medium and notice
    # travel only as a 'report' handover, by hand.
    report: bool = False


@dataclass(frozen=True)
class MediumRegistered(Event):
    KIND: ClassVar[str] = "MediumRegistered"
    medium_id: str
    package_id: str
    case_id: str
    medium_kind: str                # dvd-r, cd-r, usb, lgwan


@dataclass(frozen=True)
class NoticeIssued(Event):
    """Notice N holds the password of package P. The password itself is never recorded."""
    KIND: ClassVar[str] = "NoticeIssued"
    notice_id: str
    package_id: str
    case_id: str
    issued_by: str                  # person ID


@dataclass(frozen=True)
class ItemStored(Event):
    KIND: ClassVar[str] = "ItemStored"
    item_id: str
    cabinet_id: str


@dataclass(frozen=True)
class HandoverRecorded(Event):
    """One handover (one 確認書). Items are media and notices; envelopes are batches of
    sealed printed notices the contractor delivers, created by this entry."""
    KIND: ClassVar[str] = "HandoverRecorded"
    handover_id: str
    case_id: str
    moment: str
    occurred_at: str
    from_person: str
    from_org: str
    to_person: str
    to_org: str
    method: str
    items: tuple[str, ...] = ()
    envelopes: tuple[Mapping, ...] = ()  # [{"batch_id", "package_id", "count"}]
    courier: str | None = None
    content: str = ""
    media_count: int = 0
    record_count: int = 0
    envelope_count: int = 0
    overrides: tuple[Mapping, ...] = ()  # [{"rule", "item", "message"}]
    override_reason: str | None = None
    scan: Mapping | None = None        # summary of a scanned pickup, when there was one


@dataclass(frozen=True)
class HandoverConfirmed(Event):
    """The receiving party checked what staff recorded (004 受託事業者 11)."""
    KIND: ClassVar[str] = "HandoverConfirmed"
    handover_id: str
    confirmed_by: str
    confirmed_at: str
    condition: str = ""             # condition on receipt: 封緘異常なし…
    scan: Mapping | None = None


@dataclass(frozen=True)
class RemarkRecorded(Event):
    """A free-text remark (an on-site inspection, a correction explained). It changes no
    custody state: its fold step only marks it folded, and `history` reads it from the ledger."""
    KIND: ClassVar[str] = "RemarkRecorded"
    text: str


@dataclass(frozen=True)
class ConfirmationReprinted(Event):
    """A handover's 確認書 was printed again (marked 再発行 with this date), so every paper
    copy in circulation is accounted for in the ledger."""
    KIND: ClassVar[str] = "ConfirmationReprinted"
    handover_id: str
    reprinted_at: str
    of_entry: int                   # the entry the reprint shows: the confirmation, else the record


# Credential kinds (docs/signatures.md).
PASSPHRASE_KEY, PASSKEY = "passphrase-ed25519", "webauthn"
CREDENTIAL_KINDS = (PASSPHRASE_KEY, PASSKEY)


@dataclass(frozen=True)
class CredentialRegistered(Event):
    """A person's public key, with which they sign every entry they make (issue 12). Enrolled
    by staff in person (or, at `init`, by the first staff member for themselves). `proof` is
    the new key's own signature over the registration (docs/signatures.md, "Proof of
    possession"). The encrypted private key of a passphrase credential is not in the ledger."""
    KIND: ClassVar[str] = "CredentialRegistered"
    credential_id: str
    person_id: str
    kind: str                       # passphrase-ed25519 / webauthn
    public_key: str                 # base64url: raw Ed25519 key, or the COSE key of a passkey
    fingerprint: str
    enrolled_by: str                # person ID
    enrolled_at: str                # ISO 8601, +09:00
    proof: Mapping = field(default_factory=dict)
    rp_id: str | None = None        # passkeys: the relying party ID the assertions name


@dataclass(frozen=True)
class CredentialRevoked(Event):
    """A credential no longer signs anything from this entry on (lost, forgotten, left)."""
    KIND: ClassVar[str] = "CredentialRevoked"
    credential_id: str
    person_id: str
    reason: str
@dataclass(frozen=True)
class IncidentReported(Event):
    """An accident reported in writing (事故報告): what happened, when it was discovered and by
    whom, the items and the case, and when the ward was told. `source` says whether a person
    reported it or the system opened it (a hash mismatch on receipt, a forged label at a
    recording station, a return long overdue)."""
    KIND: ClassVar[str] = "IncidentReported"
    incident_id: str
    case_id: str
    category: str
    description: str
    discovered_at: str
    reported_by: str                # person ID
    items: tuple[str, ...] = ()
    ward_notified_at: str | None = None
    source: str = BY_PERSON


@dataclass(frozen=True)
class IncidentFollowedUp(Event):
    KIND: ClassVar[str] = "IncidentFollowedUp"
    incident_id: str
    note: str
    ward_notified_at: str | None = None   # when the follow-up is the ward being told


@dataclass(frozen=True)
class IncidentClosed(Event):
    KIND: ClassVar[str] = "IncidentClosed"
    incident_id: str
    outcome: str


@dataclass(frozen=True)
class LgwanFileSent(Event):
    """A sealed package uploaded to the contractor's LGWAN-ASP service (000 【システム上の対策】,
    004 受託事業者 6), recorded with the provide handover it is. The file is named by its
    package ID, so its name holds no personal data; `sha256` is what the receiver's download
    must match."""
    KIND: ClassVar[str] = "LgwanFileSent"
    transfer_id: str
    handover_id: str
    medium_id: str
    package_id: str
    case_id: str
    file_name: str
    size: int
    sha256: str
    service: str                    # the LGWAN-ASP service's name
    sender: str                     # person ID
    workstation_id: str


@dataclass(frozen=True)
class LgwanFileReceived(Event):
    """The receiver's download matched the recorded SHA-256 (recorded with the confirmation of
    the handover). A mismatch records no receipt: it opens an incident instead."""
    KIND: ClassVar[str] = "LgwanFileReceived"
    transfer_id: str
    received_by: str
    sha256: str


@dataclass(frozen=True)
class ErasureRecorded(Event):
    """A contractor or sub-contractor erased the case's data and certifies it (消去証明書;
    004 受託事業者 10, 特記事項 11-12; 000 特記事項 14-15; 丙 12-13). `sources` are the
    packages and media the erased extracts, working copies and derived files came from;
    `locations` the computers and servers, by name."""
    KIND: ClassVar[str] = "ErasureRecorded"
    certificate_id: str
    case_id: str
    org_id: str
    erased: str                     # what: 復号したデータ、作業用の複製、加工したファイル…
    sources: tuple[str, ...]        # package and medium IDs
    locations: tuple[str, ...]      # computer and server names
    method: str                     # clear / purge / destroy
    tool: str
    performed_by: str               # person ID
    verified_by: str                # person ID: the responsible handler (取扱責任者)
    erased_on: str                  # ISO date
    place: str


@dataclass(frozen=True)
class ErasureCertificateReceived(Event):
    """The certificate reached the ward, or (for a sub-contractor's) its contractor."""
    KIND: ClassVar[str] = "ErasureCertificateReceived"
    certificate_id: str
    org_id: str                     # the receiving organisation


@dataclass(frozen=True)
class ErasureChecked(Event):
    """The ward's own check of the erasure (甲は…消去の状況について確認を行う)."""
    KIND: ClassVar[str] = "ErasureChecked"
    certificate_id: str
    note: str


@dataclass(frozen=True)
class PrintAllowanceSet(Event):
    """指定枚数: the pages a case's contractor may print (004 受託事業者 13). For 004 it follows
    from the sealed envelopes, one ticket set per record; `basis` says how it was reckoned."""
    KIND: ClassVar[str] = "PrintAllowanceSet"
    case_id: str
    pages: int
    basis: str = ""


@dataclass(frozen=True)
class PrintLogImported(Event):
    """A contractor's print log, submitted to the ward (004 受託事業者 13). Only the jobs not
    imported before are counted: each by its content hash. File names are not recorded (they
    may name residents); the totals per computer, printer and day are."""
    KIND: ClassVar[str] = "PrintLogImported"
    submission_id: str
    case_id: str
    sha256: str                     # of the file as handed in
    layout: str                     # documented / event307 / papercut
    encoding: str
    row_hashes: tuple[str, ...]     # the new jobs
    totals: tuple[Mapping, ...]     # [{"computer", "printer", "day", "pages", "jobs"}], new jobs
    pages: int
    jobs: int
    repeated_jobs: int = 0          # jobs in the file that an earlier import already counted
    first_at: str = ""
    last_at: str = ""
    allowance: int = 0              # 指定枚数 when imported
    excess: int = 0                 # pages this submission printed beyond the allowance


@dataclass(frozen=True)
class PrintExcessExplained(Event):
    """The contractor's reason for printing beyond the designated count (指定枚数以上印刷した
    場合は、その理由を報告させる)."""
    KIND: ClassVar[str] = "PrintExcessExplained"
    submission_id: str
    reason: str


@dataclass(frozen=True)
class VisitListRegistered(Event):
    """One half of a split visit list (000 受託事業者 6), registered as an item so its issue
    and return can be tracked. Only its count, column names and SHA-256s are recorded: the
    extract and the lists are personal data and never stored."""
    KIND: ClassVar[str] = "VisitListRegistered"
    list_id: str
    case_id: str
    half: str                       # A / B
    columns: tuple[str, ...]        # besides the pairing code
    count: int
    sha256: str                     # of the list as CSV (UTF-8 with BOM)
    source_sha256: str              # of the extract it was split from
    paired_with: str                # the other half's list ID
    warnings: tuple[str, ...] = ()  # identifying combinations it holds, e.g. 氏名+住所


# How a returned visit list was checked in: its label scanned, or its ID read off the sheet
# and the sheets counted (授受簿: 訪問開始時と終了時).
RETURN_SCANNED, RETURN_COUNTED = "scanned", "counted"
RETURN_METHODS = {RETURN_SCANNED: "ラベル読取", RETURN_COUNTED: "目視確認"}


@dataclass(frozen=True)
class VisitRoundStarted(Event):
    """The start of a visit round (000 受託事業者 4: 訪問開始時…の授受簿): the visit date, the
    pair of visitors (受託事業者 6: 2人体制), and the lists issued to each of them, counted.
    The issuer is the entry's actor; the time of issue is the entry's time."""
    KIND: ClassVar[str] = "VisitRoundStarted"
    round_id: str
    case_id: str
    visit_date: str                     # ISO date
    visitors: tuple[str, ...]           # person IDs, the pair
    lists: tuple[Mapping, ...]          # [{"list_id": L-…, "visitor": U-…}]
    count: int                          # lists issued (配布枚数)
    area: str = ""                      # where the round goes, as the contractor names it


@dataclass(frozen=True)
class VisitListsReturned(Event):
    """Lists handed back at the end of a round to the entry's actor, each scanned or read and
    counted (訪問…終了時の授受簿). A round may take its lists back in several returns."""
    KIND: ClassVar[str] = "VisitListsReturned"
    round_id: str
    lists: tuple[str, ...]
    method: str                         # scanned / counted
    count: int                          # lists handed back now


@dataclass(frozen=True)
class VisitRoundClosed(Event):
    """The end of a round: every list back, or the ones still out declared missing, with the
    incident (紛失) recorded in the same act."""
    KIND: ClassVar[str] = "VisitRoundClosed"
    round_id: str
    missing: tuple[str, ...] = ()
    incident_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class InspectionRecorded(Event):
    """An on-site inspection of a contractor or sub-contractor (立入調査; 000 特記事項 18-19,
    004 特記事項 15-16: at least once per fiscal year)."""
    KIND: ClassVar[str] = "InspectionRecorded"
    inspection_id: str
    case_id: str
    org_id: str                     # the contractor or sub-contractor inspected
    inspected_on: str               # ISO date
    inspectors: tuple[str, ...]     # person IDs (ward staff or auditors)
    place: str
    findings: tuple[Mapping, ...]   # [{"check": INSPECTION_CHECKS key, "result", "note"}]
    follow_ups: tuple[str, ...] = ()


ALL: tuple[type[Event], ...] = (
    OrganisationRegistered, PersonRegistered, CabinetRegistered, CabinetKeyHoldersChanged,
    WorkstationRegistered, WorkstationAuthorised, CaseOpened, RosterChanged, CaseClosed,
    PackageSealed, MediumRegistered, NoticeIssued, ItemStored, HandoverRecorded,
    HandoverConfirmed, RemarkRecorded,
    ConfirmationReprinted, CredentialRegistered, CredentialRevoked, IncidentReported, IncidentFollowedUp, IncidentClosed,
    LgwanFileSent, LgwanFileReceived, ErasureRecorded, ErasureCertificateReceived,
    ErasureChecked, InspectionRecorded, PrintAllowanceSet, PrintLogImported,
    PrintExcessExplained, VisitListRegistered, VisitRoundStarted, VisitListsReturned,
    VisitRoundClosed,
)
BY_KIND: dict[str, type[Event]] = {cls.KIND: cls for cls in ALL}


_FIELDS = {cls.KIND: {f.name for f in dataclasses.fields(cls)} for cls in ALL}


def decode(entry: ledger.Entry) -> Event | None:
    """The event an entry records, or None for entries of kinds this version does not know.
    Unknown payload keys (such as `origin`) are ignored, so fields can be added later."""
    cls = BY_KIND.get(entry.kind)
    if cls is None:
        return None
    known = _FIELDS[entry.kind]
    return cls(**{k: v for k, v in entry.payload.items() if k in known})
