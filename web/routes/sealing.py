"""Sealing an extract from the browser, on the case's designated workstation only.

Which computer: the browser must run on the server's own computer (a loopback connection,
http://localhost), so the workstation is the server's host name, and the very rule the CLI
meets decides (policy `workstation-not-registered`, through actions.sealing): the computer
must be registered and designated for the case. From another computer the page refuses: the
server cannot know which computer that is, and the plaintext extract must not cross the
network anyway.

The extract is read from the request as it arrives (web/uploads.py) straight into the
encryption (packages.Upload): it never touches the disk in plaintext. Then:
- the package is offered for download once (a one-time link; a second download is refused);
- the password notice PDF is read into the session's memory for one download and deleted from
  the disk at once: it is shown once, for printing on the notice printer, and never kept;
- the labels (QR, with the ward's label key) can be printed from the page.
"""

from __future__ import annotations

import hmac
import secrets
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
from web.security import refusal_page
from web.uploads import BadUpload, StreamedForm

LOOPBACK_CLIENTS = ("127.0.0.1", "::1")
MEDIA = [(k, v) for k, v in ev.MEDIUM_KINDS.items() if k != ev.LGWAN_FILE]


def seal_dir(request: Request) -> Path:
    """Where sealed packages (and, for a moment, notices) go: `seal_dir` in the context's
    extras, else `sealed/` beside the ledger's signing key (the ward's data directory)."""
    c = ctx(request)
    return Path(c.extra.get("seal_dir") or Path(c.settings.key_path).absolute().parent / "sealed")


def _on_this_computer(request: Request) -> None:
    client = request.client.host if request.client else ""
    if client not in LOOPBACK_CLIENTS:
        raise HandoverError(
            "sealing is done on the designated computer itself, at http://localhost / 封緘は、"
            "業務に指定された端末で、その端末のブラウザーから http://localhost を開いて行ってください",
            "the server cannot tell which computer another address is; the extract must not "
            "cross the network in plaintext")


def _passkey_refusal() -> HandoverError:
    return HandoverError("sealing is signed with the passphrase on the designated computer / "
                         "封緘はパスフレーズでサインインして行ってください",
                         "sign in with your passphrase on this computer")


async def seal_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    s = session(request)

    def check():
        _on_this_computer(request)
        if getattr(s.signer, "in_browser", False):
            raise _passkey_refusal()
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

    def run():
        _on_this_computer(request)
        if getattr(s.signer, "in_browser", False):
            raise _passkey_refusal()
        try:
            size = int(fields.get("size", ""))
        except ValueError:
            raise HandoverError("the file's size was not sent / ファイルの大きさが送信されていません",
                                "choose the file again (the page needs JavaScript)") from None
        upload = packages.Upload(form.filename or "extract.csv", size, form.readinto)
        return actions.seal_extract(
            j, s.person_id, case_id, [upload], medium_kind=fields.get("medium", ""),
            content=fields.get("content", ""), out_dir=out / "packages",
            notice_dir=out / "notices", labels_dir=out / "labels" if ctx(request).label_key else None,
            label_key_path=ctx(request).label_key, csv_header=fields.get("header") == "1")

    try:
        sealed = await run_in_threadpool(run)
    except HandoverError as e:
        await form.finish()
        return render(request, "seal.html", 400, case_id=case_id, media=MEDIA, error=refusal(e),
                      host=j.host)
    await form.finish()
    return _sealed_page(request, sealed)


def _sealed_page(request: Request, sealed: actions.Sealed) -> Response:
    # The notice holds the password: into the session's memory for one download, off the disk.
    notice = sealed.notice_path.read_bytes()
    sealed.notice_path.unlink()
    notice_url = offer_download(request, f"password-notice-{sealed.notice_id}.pdf", notice,
                                "application/pdf")
    del notice
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


async def package_download(request: Request):
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
    Route("/seal/package/{token}", package_download, methods=["GET"]),
    Route("/seal/labels/{package_id}.pdf", label_sheet, methods=["GET"]),
]
