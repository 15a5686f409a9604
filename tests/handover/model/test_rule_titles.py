"""Every rule a refusal can name has a Japanese title for the 確認書's override box."""

import re
from pathlib import Path

from handover.model import policy
from handover.model.policy import rules

POLICY_DIR = Path(policy.__file__).parent


def _rule_ids() -> set[str]:
    return {v for k, v in vars(rules).items()
            if k.isupper() and not k.startswith("_") and isinstance(v, str)}


def test_every_rule_id_has_a_japanese_title():
    missing = sorted(r for r in _rule_ids() if not policy.RULE_TITLES_JA.get(r, "").strip())
    assert missing == []


def test_every_rule_refused_in_the_policy_is_a_named_rule_with_a_title():
    refused = set()
    for source in POLICY_DIR.glob("*.py"):
        refused |= set(re.findall(r"refuse\(\s*([A-Z_]+)", source.read_text(encoding="utf-8")))
    assert refused, "the pattern must find the policy's refusals"
    names = {getattr(rules, name) for name in refused}
    assert names <= set(policy.RULE_TITLES_JA)


def test_titles_are_japanese_and_distinct():
    titles = list(policy.RULE_TITLES_JA.values())
    assert len(set(titles)) == len(titles)
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t) for t in titles)
