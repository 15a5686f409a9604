"""The scanning station for a pickup or a delivery (actions.scanning_station).

A USB scanner types the label text into a field that has the focus, then Enter; the server
classifies each scan (ids.parse_id tolerates full-width IME input and lower case) and the
page shows it at once, large, colour-coded, in Japanese. A photo of labels can be uploaded
instead and is decoded on the server (zxing-cpp). At the end: what is missing or
unexpected, and a button recording the result as the handover (or, for a delivery being
checked, the receiver's confirmation with the electronic 押印).

The open station lives in the session's memory (its scans are not facts until recorded).
With htmx, a scan replaces only the result area (the `HX-Request` header); without it, the
whole page comes back, its scan field focused again.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from handover.model import events as ev
from handover.scanners import ScanResult
from web.acting import attempt, journal, sealed_journal
from web.pages import redirect, refusal, render, session, sign_in_required
from web.routes.handovers import METHOD_CHOICES, MOMENT_CHOICES, parse_local_time, people_choices
from web.security import state_changing

STATUS_JA = {"ok": "確認しました", "unknown": "未登録の物です", "forged": "偽造ラベルです",
             "duplicate": "読取り済みです", "not-expected": "この受渡しの対象外です"}
MAX_PHOTO_BYTES = 20 * 1024 * 1024
SHOWN_SCANS = 20       # the latest scans listed under the verdict; the counts cover them all


def shown(result: ScanResult) -> dict:
    """A scan as the page shows it: the Japanese verdict and the Japanese half of the message."""
    return {"status": str(result.status), "verdict": STATUS_JA[str(result.status)],
            "item_id": result.item_id, "message": result.message.rsplit(" / ", 1)[-1]}


def _station(request: Request):
    return session(request).stations.get(request.path_params["station_id"])


async def start_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.query_params.get("case", "")

    def view():
        j = journal(request)
        cases = reports.case_choices(j, open_only=True)
        # the chosen case's items, to tick what is expected: that case's status alone
        chosen = reports.status(j, case_id)["cases"][0] \
            if any(c["case_id"] == case_id for c in cases) else None
        handovers = [h for h in reports.case_handovers(j, case_id) if not h["confirmed_by"]] \
            if chosen else []
        return {"cases": cases, "chosen": chosen, "handovers": handovers}

    data, error = await attempt(view)
    return render(request, "scan_start.html", **(data or {"cases": [], "chosen": None,
                                                          "handovers": []}),
                  error=refusal(error) if error else None)


@state_changing
async def start(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    case_id = str(form.get("case", ""))
    handover_id = str(form.get("handover", "")) or None
    expected = form.getlist("expected")
    label_key = request.app.state.ctx.label_key
    station, error = await attempt(lambda: actions.open_station(
        journal(request), label_key_path=label_key, expected=expected, handover_id=handover_id))
    if error is not None:
        return render(request, "error.html", 400, error=refusal(error))
    station_id = secrets.token_urlsafe(12)
    session(request).stations[station_id] = {"station": station, "case_id": case_id,
                                             "shown": []}
    return redirect(f"/scan/{station_id}")


def _station_view(request: Request, open_station: dict) -> dict:
    station = open_station["station"]
    summary = station.summary()
    return {"station_id": request.path_params["station_id"], "open": open_station,
            "summary": summary, "last": open_station["shown"][-1] if open_station["shown"] else None,
            "scans": open_station["shown"][:-SHOWN_SCANS - 1:-1],
            "scanned": len(open_station["shown"]), "checking": station.handover_id}


async def station_page(request: Request, *, status_code: int = 200, error=None,
                       error_field: str = "", f: dict | None = None):
    if (gone := sign_in_required(request)) is not None:
        return gone
    open_station = _station(request)
    if open_station is None:
        return redirect("/scan")
    view = _station_view(request, open_station)
    people, _ = await attempt(lambda: people_choices(journal(request), open_station["case_id"]))
    return render(request, "scan.html", status_code, **view, **(people or {}),
                  moments=MOMENT_CHOICES, methods=METHOD_CHOICES,
                  f=f or {"moment": ev.PROVIDE, "method": ev.HAND},
                  error=refusal(error) if error else None, error_field=error_field)


@state_changing
async def scan(request: Request):
    """One scan typed by a USB scanner (or a person) into the focused field."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    open_station = _station(request)
    if open_station is None:
        return redirect("/scan")
    text = str((await request.form()).get("code", ""))
    if text.strip():
        open_station["shown"].append(shown(open_station["station"].scan(text)))
    if request.headers.get("hx-request"):
        return render(request, "_scan_area.html", **_station_view(request, open_station))
    return redirect(f"/scan/{request.path_params['station_id']}")


@state_changing
async def photo(request: Request):
    """Photos of labels, decoded on the server (the camera's fallback)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    open_station = _station(request)
    if open_station is None:
        return redirect("/scan")
    uploads = [u for u in (await request.form()).getlist("photo") if hasattr(u, "read")]

    def decode():
        results = []
        with tempfile.TemporaryDirectory(prefix="handover-scan-") as tmp:
            for n, upload in enumerate(uploads):
                data = upload.file.read(MAX_PHOTO_BYTES + 1)
                if len(data) > MAX_PHOTO_BYTES:
                    raise HandoverError(f"写真 {upload.filename} が大きすぎます（20 MB まで）",
                                        "撮り直すか、縮小してください")
                path = Path(tmp) / f"photo-{n}"
                path.write_bytes(data)
                results += actions.scan_images(open_station["station"], [path])
        return results

    if not uploads:
        return await station_page(request, status_code=400, error=HandoverError(
            "写真が選ばれていません", "ラベルの写真を選んでください"), error_field="photo")
    results, error = await attempt(decode)
    if error is not None:
        return await station_page(request, status_code=400, error=error, error_field="photo")
    open_station["shown"] += [shown(r) for r in results]
    return redirect(f"/scan/{request.path_params['station_id']}")


@state_changing
async def finish(request: Request):
    """Record the complete scan: as the handover (a pickup), or as the receiver's
    confirmation of the handover being checked (with the electronic 押印)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    open_station = _station(request)
    if open_station is None:
        return redirect("/scan")
    form = await request.form()
    station, me = open_station["station"], session(request).person_id
    f = {k: str(form.get(k, "")) for k in ("moment", "from_person", "to_person", "method",
                                           "content", "occurred_at", "override_reason")}

    def act():
        if station.handover_id is not None:
            j = sealed_journal(request, str(form.get("passphrase", "")))
            return actions.confirm_scanned(j, me, station,
                                           condition=str(form.get("condition", ""))).handover_id
        return actions.record_scanned(journal(request), me, station, actions.HandoverRequest(
            open_station["case_id"], f["moment"], f["from_person"], f["to_person"], f["method"],
            content=f["content"], occurred_at=parse_local_time(f["occurred_at"]),
            override_reason=f["override_reason"].strip() or None)).handover_id

    handover_id, error = await attempt(act)
    if error is not None:
        from web.pages import field_of
        return await station_page(request, status_code=400, error=error,
                                  error_field=field_of(error, f), f=f)
    session(request).stations.pop(request.path_params["station_id"], None)
    return redirect(f"/handovers/{handover_id}")


routes = [
    Route("/scan", start_page, methods=["GET"]),
    Route("/scan", start, methods=["POST"]),
    Route("/scan/{station_id}", station_page, methods=["GET"]),
    Route("/scan/{station_id}/code", scan, methods=["POST"]),
    Route("/scan/{station_id}/photo", photo, methods=["POST"]),
    Route("/scan/{station_id}/finish", finish, methods=["POST"]),
]
