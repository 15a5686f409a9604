"""Rendering: the Jinja2 environment, the context every page gets, dates in 和暦 beside ISO,
and a refusal (HandoverError) in Japanese, naming the rule."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from handover.documents.wareki import beside_iso
from handover.errors import HandoverError, NotFound, PolicyViolation, VerificationFailed

TEMPLATES = Path(__file__).parent / "templates"
HTMX = Path(__file__).parent / "static" / "vendor" / "htmx.min.js"

templates = Jinja2Templates(directory=str(TEMPLATES))
# The templates ship inside the package and never change while the server runs: without this,
# Jinja2 stat()s each template file on every render to see whether to reload it, which was
# the largest cost of a scan (measured with cProfile under bench/bench_web.py).
templates.env.auto_reload = False


def form_date(text: str, field: str) -> dt.date:
    """A date picked in a form (ISO, as <input type=date> sends it); otherwise a refusal that
    names the field."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HandoverError(f"{text!r} は日付として読めません",
                            f"{field}の欄で日付を選んでください") from None


templates.env.filters["wareki"] = beside_iso


def with_query(request: Request, **changes: Any) -> str:
    """This page's URL with query parameters changed (None removes one): the pager's links keep
    the filter, and a filter's links start again at page 1."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    return request.url.path + ("?" + urlencode(params) if params else "")


templates.env.globals["with_query"] = with_query


def ctx(request: Request):
    return request.app.state.ctx


def session(request: Request):
    return request.state.session


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    s = session(request)
    context.update(request=request, session=s, csrf=s.csrf, has_htmx=HTMX.exists(),
                   me=s.person_id, my_name=s.name,
                   passkey=getattr(s.signer, "in_browser", False))   # web/passkeys.py
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def redirect(url: str) -> Response:
    """After a successful POST: see the result on a page of its own (303 See Other)."""
    return RedirectResponse(url, status_code=303)


def sign_in_required(request: Request) -> Response | None:
    """The sign-in page for a visitor who is not signed in (None when they are)."""
    if session(request).signed_in:
        return None
    return redirect("/signin")


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# What only a terminal understands: a flag, a command in backticks, a command line.
CLI_WORDS = re.compile(r"`|(?<![\w-])--[a-z]|\bhandover [a-z]")
OVERRIDE_HINT_JA = "例外として記録する場合は、「例外の理由」欄に理由を記入して、もう一度記録してください。理由は確認書と監査報告に印字されます"


def in_japanese(text: str) -> str:
    """The Japanese half of a bilingual text ("English / 日本語", the Japanese last: the
    English half may quote a Japanese name); a text with no Japanese half is returned whole
    (the CLI's English, where no translation exists)."""
    english, _, japanese = text.rpartition(" / ")
    return japanese.strip() if english and _JAPANESE.search(japanese) else text


def refusal(e: HandoverError) -> dict[str, str]:
    """A refusal as the pages show it: a Japanese heading naming the rule (its Japanese title,
    its ID beside it) when a custody rule refused, the message's Japanese half, and a hint in
    Japanese that a page can follow: never the CLI's flags and commands."""
    from handover.model.policy.rule_titles import RULE_TITLES_JA
    from handover.model.policy.rules import OVERRIDABLE
    hint = in_japanese(e.hint or "")
    if not _JAPANESE.search(hint) or CLI_WORDS.search(hint):
        hint = ""
    if isinstance(e, PolicyViolation):
        title = RULE_TITLES_JA.get(e.rule, e.rule)
        message = in_japanese(e.message.rsplit(" [rule: ", 1)[0])
        return {"heading": f"規則により受け付けられません：{title}（{e.rule}）", "rule": e.rule,
                "item": e.item, "message": message,
                "hint": OVERRIDE_HINT_JA if e.rule in OVERRIDABLE else hint}
    heading = ("登録されていません" if isinstance(e, NotFound) else
               "検証に失敗しました" if isinstance(e, VerificationFailed) else
               "受け付けられません")
    return {"heading": heading, "rule": "", "item": "", "message": in_japanese(e.message),
            "hint": hint}


def field_of(e: HandoverError, fields: dict[str, Any]) -> str:
    """The form field a refusal concerns: the one holding the refused item (a person, a
    medium), else '' (shown above the form)."""
    item = getattr(e, "item", None)
    if item:
        for name, value in fields.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            if item in values:
                return name
    return ""
