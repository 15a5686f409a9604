"""LGWAN transfers (000 【システム上の対策】, 004 受託事業者 6): an LGWAN file goes out only
with its hash recorded, is the sealed package itself under a name that is its ID, and is
erased, never returned (004 受託事業者 10)."""

from __future__ import annotations

from handover.model import events as ev
from handover.model.policy.rules import (FILE_NOT_PACKAGE, LGWAN_NOT_RETURNED,
                                         LGWAN_SEND_REQUIRED, refuse)
from handover.model.state import Row


def is_lgwan_file(item: Row) -> bool:
    return item.kind == ev.MEDIUM and item.medium_kind == ev.LGWAN_FILE


def require_lgwan_send(item: Row, moment: str, via_send: bool) -> None:
    if not is_lgwan_file(item):
        return
    if moment == ev.RETURN:
        raise refuse(LGWAN_NOT_RETURNED, item.item_id,
                      f"{item.item_id} is an LGWAN file: it is not returned, it is erased",
                      f"{item.item_id} はLGWANファイルのため返却ではなく消去します",
                      "have the contractor record its erasure with `handover erasure record`")
    if moment == ev.PROVIDE and not via_send:
        raise refuse(LGWAN_SEND_REQUIRED, item.item_id,
                      f"{item.item_id} is an LGWAN file: record its upload with its hash, so "
                      "the receiver can confirm the download matches",
                      f"{item.item_id} はLGWANファイルです。送信はハッシュ値とともに記録してください",
                      f"use `handover lgwan send {item.item_id} FILE --service NAME --to PERSON`")


def require_file_is_package(package: Row, file_name: str, sha256: str) -> None:
    """The uploaded file is the sealed package, byte for byte, named by its ID only: nothing
    in a file name on a shared service may be personal data."""
    expected = f"{package.package_id}.hop"
    if file_name != expected:
        raise refuse(FILE_NOT_PACKAGE, package.package_id,
                      f"the file is named {file_name!r}; a package goes over LGWAN only as "
                      f"{expected}, so that its name reveals nothing",
                      f"ファイル名はパッケージID（{expected}）のみとしてください",
                      f"upload the sealed file {expected} as it was written by `handover seal`")
    if sha256 != package.sha256:
        raise refuse(FILE_NOT_PACKAGE, package.package_id,
                      f"the file's SHA-256 {sha256} is not that of package "
                      f"{package.package_id} as sealed ({package.sha256})",
                      "ファイルが封緘したパッケージと一致しません",
                      "upload the file `handover seal` wrote, unchanged")
