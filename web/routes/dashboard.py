"""The dashboard: what waits for the signed-in person, and their cases."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from handover import reports
from web.pages import ctx, render, session, sign_in_required


async def dashboard(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    s = session(request)
    waiting = await run_in_threadpool(reports.waiting_for, ctx(request).journal(s), s.person_id,
                                      request.query_params.get("page"))
    return render(request, "dashboard.html", w=waiting)


routes = [Route("/", dashboard, methods=["GET"])]
