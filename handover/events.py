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
from typing import Any, ClassVar

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
# (委託先 → 再委託先), which 004 also needs because printing is sub-contracted.
PROVIDE, DELIVER, RETURN, TRANSFER = "provide", "deliver", "return", "transfer"
MOMENTS = (PROVIDE, DELIVER, RETURN, TRANSFER)

# Handover methods (documents.METHOD_LABELS has their Japanese names).
HAND, REGISTERED_MAIL, LGWAN = "hand", "registered_mail", "lgwan"
METHODS = (HAND, REGISTERED_MAIL, LGWAN)

# Item kinds in the projection; media kinds as crypto/media.py names them.
MEDIUM, NOTICE, ENVELOPES = "medium", "notice", "envelopes"
MEDIUM_KINDS = {"dvd-r": "DVD-R", "cd-r": "CD-R", "usb": "USB", "lgwan": "LGWANファイル",
                "dvd-r-dl": "DVD-R DL", "bd-r": "BD-R"}


@dataclass(frozen=True)
class Event:
    KIND: ClassVar[str]

    def to_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
    roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CabinetRegistered(Event):
    KIND: ClassVar[str] = "CabinetRegistered"
    cabinet_id: str
    name: str
    org_id: str
    location: str = ""
    key_holders: list[str] = field(default_factory=list)   # person IDs


@dataclass(frozen=True)
class CabinetKeyHoldersChanged(Event):
    KIND: ClassVar[str] = "CabinetKeyHoldersChanged"
    cabinet_id: str
    key_holders: list[str]
    reason: str = ""


@dataclass(frozen=True)
class WorkstationRegistered(Event):
    KIND: ClassVar[str] = "WorkstationRegistered"
    workstation_id: str
    hostname: str
    name: str = ""


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
    contractors: list[str]          # organisation IDs, contractor first
    period_start: str               # ISO date
    period_end: str                 # ISO date: media still out after it are overdue
    roster: list[dict]              # [{"person_id": U-…, "role": responsible|handler}]
    separation_minutes: int | None = None   # None: medium and notice on different days


@dataclass(frozen=True)
class RosterChanged(Event):
    KIND: ClassVar[str] = "RosterChanged"
    case_id: str
    added: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class CaseClosed(Event):
    KIND: ClassVar[str] = "CaseClosed"
    case_id: str
    reason: str = ""
    override_reason: str | None = None     # closed with items still out or unconfirmed handovers
    overrides: list[dict] = field(default_factory=list)  # [{"rule", "item", "message"}]


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
    kdf: dict = field(default_factory=dict)


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
    items: list[str] = field(default_factory=list)
    envelopes: list[dict] = field(default_factory=list)  # [{"batch_id", "package_id", "count"}]
    courier: str | None = None
    content: str = ""
    media_count: int = 0
    record_count: int = 0
    envelope_count: int = 0
    overrides: list[dict] = field(default_factory=list)  # [{"rule", "item", "message"}]
    override_reason: str | None = None
    scan: dict | None = None        # summary of a scanned pickup, when there was one


@dataclass(frozen=True)
class HandoverConfirmed(Event):
    """The receiving party checked what staff recorded (004 受託事業者 11)."""
    KIND: ClassVar[str] = "HandoverConfirmed"
    handover_id: str
    confirmed_by: str
    confirmed_at: str
    condition: str = ""             # condition on receipt: 封緘異常なし…
    scan: dict | None = None


ALL: tuple[type[Event], ...] = (
    OrganisationRegistered, PersonRegistered, CabinetRegistered, CabinetKeyHoldersChanged,
    WorkstationRegistered, WorkstationAuthorised, CaseOpened, RosterChanged, CaseClosed,
    PackageSealed, MediumRegistered, NoticeIssued, ItemStored, HandoverRecorded,
    HandoverConfirmed,
)
BY_KIND: dict[str, type[Event]] = {cls.KIND: cls for cls in ALL}


@dataclass(frozen=True)
class RemarkRecorded(Event):
    """A free-text remark (an on-site inspection, a correction explained). Recorded like every
    fact, but not in ALL: it changes no custody state, so the projection does not fold it."""
    KIND: ClassVar[str] = "RemarkRecorded"
    text: str


_FIELDS = {cls.KIND: {f.name for f in dataclasses.fields(cls)} for cls in ALL}


def decode(entry: ledger.Entry) -> Event | None:
    """The event an entry records, or None for entries of other kinds (remarks, print logs…).
    Unknown payload keys (such as `origin`) are ignored, so fields can be added later."""
    cls = BY_KIND.get(entry.kind)
    if cls is None:
        return None
    known = _FIELDS[entry.kind]
    return cls(**{k: v for k, v in entry.payload.items() if k in known})
