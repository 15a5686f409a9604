"""Where a package and its password notice are written: a rule that needs no State, so
`handover package seal` checks it without starting SQLAlchemy (issue 15 §4)."""

from __future__ import annotations

from pathlib import Path

from handover.model.policy.rules import SEPARATE_LOCATIONS, refuse


def require_separate_locations(package_dir: Path, notice_dir: Path) -> None:
    """The notice never lands where the package does: a directory burned to disc or sent
    over LGWAN would carry the password with it."""
    out, notice = Path(package_dir).resolve(), Path(notice_dir).resolve()
    if out == notice or out in notice.parents or notice in out.parents:
        raise refuse(SEPARATE_LOCATIONS, str(notice_dir),
                      f"the notice directory {notice_dir} is the package directory {package_dir} "
                      "or inside it (or the other way round)",
                      "パスワード通知書はパッケージと別の場所に出力してください",
                      "give --notice-dir a directory apart from the package, e.g. on the notice "
                      "printer's share")
