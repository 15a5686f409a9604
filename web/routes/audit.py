"""The auditor's page: a full verification of the ledger against a public key the auditor
uploads (and optionally their state file from the last audit, returned updated), the case
report (監査報告書 PDF, CSV) and a contractor's proof bundle, each downloaded once
(reports.verification, reports.audit_report, reports.proof_bundle)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from handover import reports
from handover.errors import HandoverError
from web.acting import attempt, journal, offer_download
from web.pages import ctx, refusal, render, sign_in_required
from web.security import state_changing

MAX_UPLOAD = 1024 * 1024     # a public key or a state file is a few hundred bytes


def audit_view(j) -> dict:
    data = reports.list_registry(j)
    return {"cases": reports.case_choices(j),
            "contractors": [o for o in data["organisations"] if o["kind"] != "ward"]}


async def audit_page(request: Request, *, status_code: int = 200, error=None, **extra):
    if (gone := sign_in_required(request)) is not None:
        return gone
    view, failed = await attempt(lambda: audit_view(journal(request)))
    return render(request, "audit.html", status_code, **(view or {}), **extra,
                  error=refusal(error or failed) if (error or failed) else None)


async def _upload(form, name: str, what: str, tmp: Path, required: bool) -> Path | None:
    upload = form.get(name)
    if not hasattr(upload, "read") or not upload.filename:
        if required:
            raise HandoverError(f"{what}を選んでください")
        return None
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HandoverError(f"{what} {upload.filename} は大きすぎます（1 MB まで）")
    path = tmp / name
    path.write_bytes(data)
    return path


@state_changing
async def verify(request: Request):
    """Full verification against the auditor's key; the state file comes back updated."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    settings = ctx(request).settings
    with tempfile.TemporaryDirectory(prefix="handover-audit-") as tmp:
        try:
            key = await _upload(form, "trusted_key", "信頼する公開鍵のファイル", Path(tmp), True)
            state = await _upload(form, "state", "前回の状態ファイル", Path(tmp), False)
        except HandoverError as e:
            return await audit_page(request, status_code=400, error=e)
        report, error = await attempt(lambda: reports.verify(settings, [key], state))
        state_url = None
        if report is not None and state is not None and state.exists():
            state_url = offer_download(request, "handover-audit-state.json", state.read_bytes(),
                                       "application/json")
    if error is not None:
        return await audit_page(request, status_code=400, error=error)
    result = {"ok": report.ok, "size": report.size, "checkpoints": report.checkpoints_checked,
              "entry_signatures": report.entry_signatures_checked,
              "latest": report.latest.note if report.latest else None,
              "problems": [{"index": p.index, "message": p.message, "failure": p.failure}
                           for p in report.problems],
              "warnings": list(report.warnings), "state_url": state_url}
    return await audit_page(request, status_code=200 if report.ok else 422, result=result)


@state_changing
async def case_report(request: Request):
    """The 監査報告書 of one case (PDF or CSV), verified against the uploaded key."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    case_id, fmt = str(form.get("case", "")), str(form.get("format", "pdf"))
    c = ctx(request)
    with tempfile.TemporaryDirectory(prefix="handover-audit-") as tmp:
        try:
            key = await _upload(form, "trusted_key", "信頼する公開鍵のファイル", Path(tmp), True)
        except HandoverError as e:
            return await audit_page(request, status_code=400, error=e)
        out = Path(tmp) / f"kansa-{case_id}.{'csv' if fmt == 'csv' else 'pdf'}"

        def write():
            kw = {"csv_path": out} if fmt == "csv" else {"pdf": out}
            result = reports.audit_report(journal(request), c.settings, case_id, [key], **kw)
            return out.read_bytes(), result.verification.ok

        done, error = await attempt(write)
    if error is not None:
        return await audit_page(request, status_code=400, error=error)
    data, ok = done
    url = offer_download(request, out.name, data, "text/csv" if fmt == "csv" else "application/pdf")
    return await audit_page(request, report_url=url, report_ok=ok)


@state_changing
async def proofs(request: Request):
    """The inclusion proofs of one contractor's entries in a case (offline-checkable)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    case_id, org_id = str(form.get("case", "")), str(form.get("org", ""))

    def write():
        with tempfile.TemporaryDirectory(prefix="handover-audit-") as tmp:
            out = Path(tmp) / f"proofs-{case_id}-{org_id}.json"
            done = reports.write_bundle(journal(request), case_id, org_id, out)
            return out.name, out.read_bytes(), done

    result, error = await attempt(write)
    if error is not None:
        return await audit_page(request, status_code=400, error=error)
    name, data, done = result
    url = offer_download(request, name, data, "application/json")
    return await audit_page(request, proofs_url=url, proofs_count=len(done["entries"]))


routes = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit/verify", verify, methods=["POST"]),
    Route("/audit/report", case_report, methods=["POST"]),
    Route("/audit/proofs", proofs, methods=["POST"]),
]
