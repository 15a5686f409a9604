"""Acting from a page: the journal with the signed-in person's signer, the electronic 押印
(the credential unlocked afresh for one act), running an action off the event loop with its
refusal caught, and one-time downloads kept in the session's memory."""

from __future__ import annotations

import secrets
from urllib.parse import quote
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from handover.errors import HandoverError
from web.pages import ctx, session
from web.security import refusal_page

T = TypeVar("T")


def journal(request: Request):
    """The journal through which the signed-in person acts (their session's signer)."""
    from web.passkeys import planned
    return planned(ctx(request).journal(session(request)), request)


def sealed_journal(request: Request, passphrase: str):
    """The electronic 押印: the person's credential unlocked afresh with the passphrase they
    typed for this one act (a confirmation, an erasure certificate, an inspection, an
    incident report). The signer lives on this journal only, for this request."""
    from handover import actions
    if getattr(session(request).signer, "in_browser", False):
        return journal(request)      # a passkey: its fresh assertion over this act is the 押印
    if not passphrase:
        raise HandoverError("押印のため、パスフレーズをもう一度入力してください",
                            "the act is signed with a credential unlocked for it alone")
    j = ctx(request).journal()
    actions.unlock(j, session(request).person_id, passphrase)
    return j


async def attempt(fn: Callable[[], T]) -> tuple[T | None, HandoverError | None]:
    """Run `fn` (an action or a report) in a worker thread; a refusal is returned, not raised."""
    try:
        return await run_in_threadpool(fn), None
    except HandoverError as e:
        return None, e


def written_file(write: Callable[[Path], Path]) -> tuple[str, bytes]:
    """Let an action or report write its file into a private temporary directory, read it
    back and delete it: a page offers it for download and the server keeps no copy."""
    with tempfile.TemporaryDirectory(prefix="handover-web-") as tmp:
        path = write(Path(tmp) / "out")
        return path.name, path.read_bytes()


def offer_download(request: Request, name: str, data: bytes, media_type: str) -> str:
    """Keep a file in the session's memory for one download; its URL."""
    token = secrets.token_urlsafe(16)
    session(request).downloads[token] = (name, data, media_type)
    return f"/downloads/{token}"


async def download(request: Request) -> Response:
    """A one-time download, then forgotten."""
    found = session(request).downloads.pop(request.path_params["token"], None)
    if found is None:
        return refusal_page(404, "ダウンロードできません",
                            "このファイルは既にダウンロードされたか、セッションが切れました。")
    name, data, media_type = found
    return Response(data, media_type=media_type,
                    headers={"content-disposition": content_disposition(name)})


def content_disposition(name: str) -> str:
    """An attachment header for any file name (Japanese ones in RFC 5987 form)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
