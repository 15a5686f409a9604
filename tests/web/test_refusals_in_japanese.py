"""Refusals on the web pages read in Japanese: the rule's Japanese title with its ID beside it,
the message's Japanese half, a hint a page can follow, and never the CLI's flags or commands
(`--override-reason`, `--as`, `handover …`); the sign-in's errors too. The CLI keeps its
texts."""

from __future__ import annotations

import re

import pytest

from handover import actions
from handover.errors import HandoverError, NotFound
from handover.model.policy.rule_titles import RULE_TITLES_JA
from handover.model.policy.rules import OVERRIDABLE, refuse
from tests.web.test_handover_pages import _record, _refusal_beside
from web.pages import CLI_WORDS, OVERRIDE_HINT_JA, refusal


def _shown(r: dict) -> str:
    return " ".join(r.values())


@pytest.mark.parametrize("rule", sorted(RULE_TITLES_JA))
def test_every_rule_refuses_in_japanese_without_cli_flags(rule):
    e = refuse(rule, "M-TEST", "the English words of the CLI", "規則の説明（日本語）",
               "use --as PERSON or `handover status --case CASE` / 日本語のヒント")
    shown = refusal(e)
    assert shown["heading"] == f"規則により受け付けられません：{RULE_TITLES_JA[rule]}（{rule}）"
    assert shown["message"] == "規則の説明（日本語）"
    assert not CLI_WORDS.search(_shown(shown)), shown
    assert "English" not in _shown(shown)
    assert shown["hint"] == (OVERRIDE_HINT_JA if rule in OVERRIDABLE else "日本語のヒント")


def test_the_override_hint_of_the_cli_is_not_shown_on_a_page():
    rule = sorted(OVERRIDABLE)[0]
    e = refuse(rule, "M-TEST", "refused", "拒否")          # the default hint: --override-reason
    assert "--override-reason" in e.hint
    assert refusal(e)["hint"] == OVERRIDE_HINT_JA


@pytest.mark.parametrize("error", [
    HandoverError("a case needs at least one contractor", "use --contractor ORG_ID"),
    NotFound("case C-X is not registered / 業務 C-X は登録されていません",
             "see every case with `handover status`"),
    HandoverError("unknown kind / 種類が不明です", "run handover init first"),
])
def test_a_hint_only_a_terminal_understands_is_left_out(error):
    shown = refusal(error)
    assert shown["hint"] == "" and not CLI_WORDS.search(_shown(shown))


def test_a_wrong_passphrase_is_refused_in_japanese(web):
    w = web.world
    r = web.client.post("/signin", data={"csrf": web.csrf(), "person": w.hanako,
                                         "passphrase": "違う合言葉"})
    assert r.status_code == 400
    assert "パスフレーズが違います" in r.text and "does not unlock" not in r.text
    assert not CLI_WORDS.search(_refusal_block(r.text))


def test_signing_in_without_a_credential_is_refused_in_japanese(web):
    w = web.world
    unenrolled = actions.register_person(w.j, w.taro, "架空 未登録", w.contractor,
                                         ["contractor_handler"]).value
    r = web.client.post("/signin", data={"csrf": web.csrf(), "person": unenrolled,
                                         "passphrase": "何か"})
    assert r.status_code == 400
    assert "パスフレーズはこのデータベースに登録されていません" in r.text
    assert "credential enrol" not in r.text and not CLI_WORDS.search(_refusal_block(r.text))


def test_refusals_of_the_record_form_name_the_rule_in_japanese_only(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    r = _record(web, w.case_id, from_person=w.taro, to_person=w.outsider,
                items=[sealed.medium_id])
    beside = _refusal_beside(r.text, "to_person")
    assert "取扱者名簿に登載された者のみが取り扱う（not-on-roster）" in beside
    assert not CLI_WORDS.search(beside) and "is not on the roster" not in beside
    _record(web, w.case_id, from_person=w.taro, to_person=w.hanako, items=[sealed.medium_id])
    r = _record(web, w.case_id, from_person=w.jiro, to_person=w.hanako,
                items=[sealed.notice_id])
    beside = _refusal_beside(r.text, "item-" + sealed.notice_id)
    assert "（same-recipient-interval）" in beside and "「例外の理由」欄" in beside
    assert not CLI_WORDS.search(beside) and "--override-reason" not in r.text


def _refusal_block(page: str) -> str:
    block = re.search(r'<div class="refusal" role="alert">(.*?)</div>', page, re.S)
    assert block, "no refusal on the page"
    return block.group(1)
