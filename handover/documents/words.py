"""The Japanese words documents and pages share for how and when data moves: a 確認書 prints
them, the auditor's report and the case page's timeline say them the same way. Plain text,
so a report can use them without loading the PDF renderer."""

METHOD_LABELS = {
    "hand": "手渡し",
    "registered_mail": "簡易書留",
    "lgwan": "LGWAN",
}
MOMENT_VERBS = {"provide": "提供", "deliver": "納品", "return": "返却", "report": "報告データの納品"}
# A transfer from a contractor to its sub-contractor has no 確認書 title of its own.
MOMENT_LABELS = {**MOMENT_VERBS, "transfer": "再委託先への引渡し"}
