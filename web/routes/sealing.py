"""Sealing an extract from the browser, on the case's designated workstation only.

Which computer: the browser must run on the server's own computer (a loopback connection,
http://localhost), so the workstation is the server's host name, and the very rule the CLI
meets decides (policy `workstation-not-registered`, through actions.sealing): the computer
must be registered and designated for the case. From another computer the page refuses: the
server cannot know which computer that is, and the plaintext extract must not cross the
network anyway.

The extract is read from the request as it arrives (web/uploads.py) straight into the
encryption (packages.Upload): it never touches the disk in plaintext. Sealing is then
encrypt, record, release (actions.hold_seal, actions.record_seal):
- encrypt: the package is written under a hidden name in the sealed directory (ciphertext
  only); its password notice PDF is kept in memory only, never written;
- record: a passphrase user's seal is recorded at once; a passkey user's is recorded as an
  ordinary two-phase act from the page that follows (/seal/held/{token}/record, signed with a
  fresh assertion over the entries, which name the package's SHA-256 and size). The extract
  is read once, by the encryption: the act records the held package, it never re-reads it;
- release: only after the record commits does the package take its name and is offered for
  download once, and the notice is offered once for the notice printer, then forgotten.
A held package that is not recorded (refused, abandoned) is deleted: at once when recording
is refused, when it expires (HOLD), or, if the server stopped meanwhile, at its next start
(`sweep_unrecorded`, the part files of packages/). It is never released.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from handover import actions, packages
from handover.errors import HandoverError
from handover.model import events as ev
from web.acting import attempt, journal, offer_download
from web.pages import ctx, refusal, render, session, sign_in_required
from web.security import refusal_page, state_changing
from web.uploads import BadUpload, StreamedForm

LOOPBACK_CLIENTS = ("127.0.0.1", "::1")
MEDIA = [(k, v) for k, v in ev.MEDIUM_KINDS.items() if k != ev.LGWAN_FILE]
# How long an encrypted package waits for its passkey 押印 before it is deleted: time to read
# the page and touch the key (the act itself must be signed within prepared.MAX_AGE).
HOLD = dt.timedelta(minutes=10)
STALE_RULE = "signed-act-stale"
_held_lock = threading.RLock()


def seal_dir(request: Request) -> Path:
    """Where sealed packages (and, for a moment, notices) go: `seal_dir` in the context's
    extras, else `sealed/` beside the ledger's signing key (the ward's data directory)."""
    return _seal_dir_of(ctx(request))


def _on_this_computer(request: Request) -> None:
    client = request.client.host if request.client else ""
    if client not in LOOPBACK_CLIENTS:
        raise HandoverError(
            "sealing is done on the designated computer itself, at http://localhost / 封緘は、"
            "業務に指定された端末で、その端末のブラウザーから http://localhost を開いて行ってください",
            "the server cannot tell which computer another address is; the extract must not "
            "cross the network in plaintext")


def sweep_unrecorded(c) -> None:
    """At the server's start: the held packages of a server that stopped were never recorded
    (held seals live in its memory only); their part files go (crypto's sweep, which leaves a
    part still being written by a running seal alone)."""
    packages.sweep_crashed_seals(_seal_dir_of(c) / "packages")


def _seal_dir_of(c) -> Path:
    return Path(c.extra.get("seal_dir") or Path(c.settings.key_path).absolute().parent / "sealed")


def _held(request: Request) -> dict:
    """The held seals, by token: (session ID, HeldSeal, expiry). Expired ones are deleted."""
    c = ctx(request)
    now = c.clock()
    with _held_lock:
        held = c.extra.setdefault("held_seals", {})
        expired = [t for t, (_, _, until) in held.items() if until <= now]
        gone = [held.pop(t)[1] for t in expired]
    for h in gone:
        h.discard()
    return held


async def seal_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    s = session(request)

    def check():
        _on_this_computer(request)
        actions.check_may_seal(journal(request), s.person_id, case_id)
        return case_id
    _, error = await attempt(check)
    return render(request, "seal.html", 403 if error else 200, case_id=case_id, media=MEDIA,
                  error=refusal(error) if error else None, host=journal(request).host)


async def seal(request: Request):
    """The upload, streamed into the seal. Checks its own CSRF token (the form's first field,
    read before any of the file) because `state_changing` would read the form through
    Starlette, which spools the file to disk."""
    s = session(request)
    case_id = request.path_params["case_id"]
    if s.expired:
        return refusal_page(401, "セッションの有効期限が切れました",
                            "一定時間操作がなかったため、安全のためサインアウトしました。"
                            "もう一度サインインしてから封緘してください。（何も記録されていません）",
                            sign_in=True)
    try:
        form = StreamedForm(request, "extract")
        fields = await form.read_fields()
    except BadUpload as e:
        return refusal_page(400, "送信内容を受け付けられません", str(e))
    token = fields.get("csrf", "")
    if not hmac.compare_digest(token.encode(), s.csrf.encode()):
        return refusal_page(403, "不正な送信として拒否しました",
                            "画面の確認用トークン（CSRF）が一致しません。画面を開き直してください。")
    if not s.signed_in:
        return refusal_page(401, "サインインしてください", "封緘にはサインインが必要です。",
                            sign_in=True)
    j = journal(request)
    out = seal_dir(request)

    def encrypt() -> actions.HeldSeal:
        _on_this_computer(request)
        try:
            size = int(fields.get("size", ""))
        except ValueError:
            raise HandoverError("the file's size was not sent / ファイルの大きさが送信されていません",
                                "choose the file again (the page needs JavaScript)") from None
        upload = packages.Upload(form.filename or "extract.csv", size, form.readinto)
        return actions.hold_seal(
            j, s.person_id, case_id, [upload], medium_kind=fields.get("medium", ""),
            content=fields.get("content", ""), out_dir=out / "packages",
            notice_dir=out / "notices", labels_dir=out / "labels" if ctx(request).label_key else None,
            label_key_path=ctx(request).label_key, csv_header=fields.get("header") == "1",
            notice_in_memory=True)

    try:
        held = await run_in_threadpool(encrypt)
    except HandoverError as e:
        await form.finish()
        return render(request, "seal.html", 400, case_id=case_id, media=MEDIA, error=refusal(e),
                      host=j.host)
    await form.finish()
    if getattr(s.signer, "in_browser", False):
        # A passkey signs in the browser: the held package waits for the act's 押印.
        token = secrets.token_urlsafe(16)
        until = ctx(request).clock() + HOLD
        with _held_lock:
            _held(request)[token] = (s.id, held, until)
        return render(request, "seal_record.html", h=held, token=token, until=until)
    sealed, error = await attempt(lambda: actions.record_seal(j, held))
    if error is not None:
        _drop(held)
        return render(request, "seal.html", 400, case_id=case_id, media=MEDIA,
                      error=refusal(error), host=j.host)
    return _sealed_page(request, sealed, held.notice_pdf)


@state_changing
async def record_held(request: Request):
    """A held seal recorded as the passkey user's act (taken twice by PasskeyActs: prepared,
    then recorded with the assertions), then released."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    s = session(request)
    token = request.path_params["token"]
    found = _held(request).get(token)
    if found is None or found[0] != s.id:
        return refusal_page(404, "封緘の記録はできません",
                            "暗号化したパッケージは時間切れで削除されたか、別のセッションのものです。"
                            "もう一度ファイルを選んで封緘してください。（何も記録されていません）")
    held = found[1]
    j = journal(request)
    sealed, error = await attempt(lambda: actions.record_seal(j, held))
    if error is not None:
        # Signed too late: sign again. Any other refusal will not change: the package goes.
        stale = getattr(error, "rule", None) == STALE_RULE
        if not stale:
            with _held_lock:
                _held(request).pop(token, None)
            _drop(held)
        return render(request, "seal_record.html", 400, h=held, token=token if stale else None,
                      until=found[2], error=refusal(error))
    with _held_lock:
        _held(request).pop(token, None)
    return _sealed_page(request, sealed, held.notice_pdf)


def _drop(held: actions.HeldSeal) -> None:
    """A seal whose recording was refused is deleted; one recorded whose release failed is
    the ledger's (`status` shows it as interrupted): its labels stay."""
    if not held.recorded:
        held.discard()


def _sealed_page(request: Request, sealed: actions.Sealed, notice: bytes) -> Response:
    # The notice holds the password: in the session's memory for one download, never on disk.
    notice_url = offer_download(request, f"password-notice-{sealed.notice_id}.pdf", notice,
                                "application/pdf")
    token = secrets.token_urlsafe(16)
    ctx(request).extra.setdefault("package_downloads", {})[token] = (
        session(request).id, sealed.package_path)
    labels = {}
    if sealed.label_paths:
        labels = ctx(request).extra.setdefault("label_sheets", {})
        labels[sealed.package_id] = sealed.label_paths[0]
    return render(request, "sealed.html", s=sealed, notice_url=notice_url,
                  package_url=f"/seal/package/{token}",
                  labels_url=f"/seal/labels/{sealed.package_id}.pdf" if sealed.label_paths else None)


def package_download(request: Request):
    """The sealed package, once."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    found = ctx(request).extra.get("package_downloads", {}).pop(request.path_params["token"], None)
    if found is None or found[0] != session(request).id:
        return refusal_page(404, "ダウンロードできません",
                            "このパッケージは既にダウンロードされたか、別のセッションのものです。")
    path = found[1]
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)


async def label_sheet(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    path = ctx(request).extra.get("label_sheets", {}).get(request.path_params["package_id"])
    if path is None or not Path(path).exists():
        return refusal_page(404, "ラベルがありません", "このパッケージのラベルは見つかりません。")
    return FileResponse(path, media_type="application/pdf",
                        headers={"content-disposition": f'inline; filename="{Path(path).name}"'})


seal.csrf_checked = True          # type: ignore[attr-defined]  (checked from the streamed form)

routes = [
    Route("/cases/{case_id}/seal", seal_page, methods=["GET"]),
    Route("/cases/{case_id}/seal", seal, methods=["POST"]),
    Route("/seal/held/{token}/record", record_held, methods=["POST"]),
    Route("/seal/package/{token}", package_download, methods=["GET"]),
    Route("/seal/labels/{package_id}.pdf", label_sheet, methods=["GET"]),
]
