"""LGWAN transfers with receipt by hash (issue 10 §1), on SQLite and PostgreSQL: the send is
the provide handover plus the file's hash; the contractor's download is confirmed by hash;
a mismatch opens an incident and records no receipt; an LGWAN file is never returned."""

from __future__ import annotations

import shutil

import pytest

from handover import actions, reports
from handover.errors import HandoverError, VerificationFailed
from handover.model import events as ev
from tests.handover.support import needs_poppler, pdf_text, refused

SERVICE = "見本LGWAN-ASPファイル交換"


@pytest.fixture
def lgwan(world):
    return world.seal(records=80, medium="lgwan")


def _send(w, s, path=None, **kw):
    return actions.send_file(w.j, kw.pop("actor", w.taro), s.medium_id, path or s.package_path,
                             service=kw.pop("service", SERVICE), to_person=kw.pop("to", w.hanako),
                             **kw)


def _download(w, s, name=None, tamper=False):
    d = w.tmp / "downloads"
    d.mkdir(exist_ok=True)
    target = d / (name or s.package_path.name)
    shutil.copyfile(s.package_path, target)
    if tamper:
        data = bytearray(target.read_bytes())
        data[-1] ^= 1
        target.write_bytes(bytes(data))
    return target


@needs_poppler
def test_send_then_receive_by_hash(world, lgwan, tmp_path):
    w = world
    sent = _send(w, lgwan, pdf_dir=tmp_path / "k")
    assert "LGWAN" in pdf_text(sent.handover.pdf_path) and "1件" in pdf_text(sent.handover.pdf_path)
    [entry] = [e for e in w.entries() if e.kind == "LgwanFileSent"]
    assert entry.payload["file_name"] == f"{lgwan.package_id}.hop"
    assert entry.payload["sha256"] == lgwan.sha256 and entry.payload["size"] == lgwan.size
    assert entry.payload["service"] == SERVICE and entry.payload["sender"] == w.taro
    item = reports.status(w.j, w.case_id)["cases"][0]["items"][0]
    assert item["out"] and item["lgwan_file"] and item["return_due"] is None
    assert reports.status(w.j, w.case_id)["cases"][0]["unconfirmed_handovers"] == \
        [sent.handover.handover_id]
    got = actions.receive_file(w.j, w.hanako, _download(w, lgwan), pdf_dir=tmp_path / "k")
    assert got.transfer_id == sent.transfer_id
    assert "SHA-256照合一致" in pdf_text(got.handover.pdf_path)
    case = reports.status(w.j, w.case_id)["cases"][0]
    assert case["unconfirmed_handovers"] == [] and case["open_incidents"] == []
    assert any("LgwanFileReceived" == e["kind"]
               for e in reports.history(w.j, lgwan.medium_id)["entries"])


def test_a_mismatched_download_opens_an_incident_and_receives_nothing(world, lgwan):
    w = world
    sent = _send(w, lgwan)
    size = w.size()
    with pytest.raises(VerificationFailed) as info:
        actions.receive_file(w.j, w.hanako, _download(w, lgwan, tamper=True))
    assert "do NOT open the file" in info.value.hint
    assert w.size() == size + 1
    [inc] = reports.status(w.j, w.case_id)["cases"][0]["open_incidents"]
    assert inc["category"] == ev.HASH_MISMATCH and inc["source"] == ev.BY_RECEIPT
    assert inc["items"] == [lgwan.medium_id] and inc["incident_id"] in info.value.message
    assert reports.status(w.j, w.case_id)["cases"][0]["unconfirmed_handovers"] == \
        [sent.handover.handover_id]
    # a correct download afterwards is received
    actions.receive_file(w.j, w.hanako, _download(w, lgwan))


def test_send_refusals(world, lgwan, sealed):
    w = world
    refused(w, "lgwan-send-required", w.provide, lgwan.medium_id, method="lgwan",
            item=lgwan.medium_id)
    renamed = w.tmp / "接種券対象者.hop"
    shutil.copyfile(lgwan.package_path, renamed)
    refused(w, "file-not-package", _send, w, lgwan, renamed, item=lgwan.package_id)
    refused(w, "file-not-package", _send, w, lgwan, _download(w, lgwan, tamper=True),
            item=lgwan.package_id)
    refused(w, "method-mismatch", actions.send_file, w.j, w.taro, sealed.medium_id,
            sealed.package_path, service=SERVICE, to_person=w.hanako, item=sealed.medium_id)
    refused(w, "not-on-roster", _send, w, lgwan, to=w.outsider, item=w.outsider)
    other_pc = w.j.host
    w.j.host = "home-pc"
    try:
        refused(w, "workstation-not-registered", _send, w, lgwan, item="home-pc")
    finally:
        w.j.host = other_pc
    _send(w, lgwan)
    refused(w, "already-out", _send, w, lgwan, item=lgwan.medium_id)
    w.clock.advance(days=1)
    refused(w, "lgwan-not-returned", w.handover, "return", w.hanako, w.taro, [lgwan.medium_id],
            method="lgwan", item=lgwan.medium_id)


def test_receive_refusals(world, lgwan):
    w = world
    _send(w, lgwan)
    got = _download(w, lgwan)
    refused(w, "not-receiving-party", actions.receive_file, w.j, w.jiro, got, item=w.jiro)
    refused(w, "not-on-roster", actions.receive_file, w.j, w.outsider, got, item=w.outsider)
    actions.receive_file(w.j, w.ichiro, got)
    with pytest.raises(HandoverError, match="awaits receipt"):
        actions.receive_file(w.j, w.hanako, got)


@pytest.mark.parametrize("problem, says", [
    ("service", "name the LGWAN-ASP service"), ("missing", "cannot read"),
])
def test_bad_send_input(world, lgwan, problem, says):
    size = world.size()
    kw = {"service": " "} if problem == "service" else {}
    path = world.tmp / "nothing.hop" if problem == "missing" else None
    with pytest.raises(HandoverError, match=says):
        _send(world, lgwan, path, **kw)
    assert world.size() == size


def test_a_download_not_named_by_its_id_needs_the_transfer(world, lgwan):
    w = world
    sent = _send(w, lgwan)
    odd = _download(w, lgwan, name="download(1).bin")
    with pytest.raises(HandoverError, match="not named by a package ID") as info:
        actions.receive_file(w.j, w.hanako, odd)
    assert "--transfer" in info.value.hint
    actions.receive_file(w.j, w.hanako, odd, transfer_id=sent.transfer_id)


def test_receive_by_hash_alone_as_the_web_page_sends_it(world, lgwan):
    """The browser computes the hash; only the hash reaches the server."""
    w = world
    sent = _send(w, lgwan)
    with pytest.raises(HandoverError, match="not a SHA-256"):
        actions.receive_by_hash(w.j, w.hanako, sent.transfer_id, "abc")
    size = w.size()
    with pytest.raises(VerificationFailed, match="ファイルを開かないでください"):
        actions.receive_by_hash(w.j, w.hanako, sent.transfer_id, "0" * 64, file_name="x.hop")
    assert [e.kind for e in w.entries()[size:]] == ["IncidentReported"]
    got = actions.receive_by_hash(w.j, w.hanako, sent.transfer_id, lgwan.sha256.upper())
    assert got.transfer_id == sent.transfer_id and got.sha256 == lgwan.sha256
