"""Each rule in Japanese, as the 確認書 prints it beside the rule's ID in the override box.

Every rule ID in `rules.py` has a title here (tests/handover/model/test_rule_titles.py checks it), so
a rule added without one fails the tests rather than a 確認書 at the counter.
"""

from handover.model.policy.rules import (
    ALREADY_CONFIRMED, ALREADY_INITIALISED, ALREADY_OUT, ALREADY_REGISTERED, ALREADY_RETURNED,
    ALREADY_STORED, CASE_CLOSED, ENVELOPE_BATCH, ENVELOPES_EXCEED_RECORDS, ITEMS_OUTSTANDING,
    KEY_HOLDER_ELSEWHERE, METHOD_MISMATCH, NEVER_PROVIDED, NOT_A_CONTRACTOR, NOT_HOLDER,
    NOT_IN_POSSESSION, NOT_KEY_HOLDER, NOT_ON_ROSTER, NOT_RECEIVING_PARTY, OUT_OF_ORDER,
    RESPONSIBLE_REQUIRED, ROLE_MISMATCH, ROLE_REQUIRED, SAME_CABINET, SAME_COURIER,
    SAME_RECIPIENT_INTERVAL, SEPARATE_LOCATIONS, SEPARATE_OCCASIONS, UNCONFIRMED_HANDOVERS,
    WORKSTATION_NOT_REGISTERED, WRONG_CASE, WRONG_DIRECTION, NOT_ON_CASE, INSPECTION_DATE,
    FOLLOW_UP_REQUIRED)

RULE_TITLES_JA: dict[str, str] = {
    NOT_ON_ROSTER: "取扱者名簿に登載された者のみが取り扱う",
    ROLE_REQUIRED: "操作に必要な役割（権限）を持つ者が行う",
    CASE_CLOSED: "終了した業務では操作しない",
    WORKSTATION_NOT_REGISTERED: "登録された端末でのみ個人情報を媒体に記録する",
    SAME_CABINET: "暗号化媒体とパスワード通知書は別の保管庫に保管する",
    NOT_IN_POSSESSION: "自組織が保有する物のみ保管する",
    NOT_KEY_HOLDER: "保管庫の鍵の保管者のみが出し入れする",
    SEPARATE_OCCASIONS: "暗号化媒体とパスワード通知書は別の機会に受け渡す",
    SAME_RECIPIENT_INTERVAL: "同じ受領者への媒体と通知書の受渡しは別の日に行う",
    SAME_COURIER: "媒体と通知書は別の運搬者が運ぶ",
    ALREADY_OUT: "提供済み（未返却）の物は再び提供しない",
    NEVER_PROVIDED: "提供していない物の返却は受けない",
    ALREADY_RETURNED: "返却済みの物は再び返却を受けない",
    NOT_HOLDER: "引渡者が保有する物のみ引き渡す",
    WRONG_CASE: "他の業務の物は扱わない",
    WRONG_DIRECTION: "受渡しは正しい方向（区⇄委託先）で行う",
    METHOD_MISMATCH: "物に合った受渡方法を用いる（LGWANファイルはLGWANで）",
    ENVELOPES_EXCEED_RECORDS: "封入封緘した通知書の数はデータ件数を超えない",
    NOT_RECEIVING_PARTY: "確認は受領側が行う",
    ALREADY_CONFIRMED: "確認は一度だけ行う",
    ITEMS_OUTSTANDING: "業務終了時には全ての媒体・通知書が返却されている",
    OUT_OF_ORDER: "受渡し日時は前の記録より後とする",
    UNCONFIRMED_HANDOVERS: "業務終了前に全ての受渡しが確認されている",
    SEPARATE_LOCATIONS: "パスワード通知書はパッケージと別の場所に出力する",
    ENVELOPE_BATCH: "保管庫に保管するのは媒体とパスワード通知書のみとする",
    ALREADY_STORED: "保管庫に保管中の物は重ねて保管しない",
    NOT_A_CONTRACTOR: "委託先の役割は委託先の組織にのみ与える",
    RESPONSIBLE_REQUIRED: "取扱者名簿には取扱責任者を置く",
    ALREADY_INITIALISED: "台帳の初期設定は一度だけ行う",
    ALREADY_REGISTERED: "端末は一度だけ登録する",
    ROLE_MISMATCH: "役割は所属組織に合ったものとする（区職員は区、取扱者は委託先）",
    KEY_HOLDER_ELSEWHERE: "保管庫の鍵は保管庫を持つ組織の者が保管する",
    NOT_ON_CASE: "立入調査は当該業務の委託先・再委託先に対して行う",
    INSPECTION_DATE: "立入調査日は契約期間の開始後かつ記録日以前とする",
    FOLLOW_UP_REQUIRED: "要改善の指摘事項には改善措置を記録する",
}
