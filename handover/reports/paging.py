"""A page of a long list: which slice is shown, of how many, and whether the page asked for
existed (a page past the end shows the last one, and says so)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int         # the page shown, from 1
    size: int
    total: int          # rows in the whole list
    asked: str          # the page asked for, as given

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The 1-based position of the first row shown (0 when the list is empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def missing(self) -> bool:
        """The page asked for does not exist (past the end, or not a page number)."""
        return self.asked != str(self.number) and self.asked != ""

    def json(self) -> dict:
        return {"page": self.number, "pages": self.pages, "size": self.size,
                "total": self.total, "first": self.first, "last": self.last,
                "asked": self.asked, "missing": self.missing}


def page_of(total: int, asked: str | int | None, size: int) -> Page:
    """The page `asked` (text from a query string, or a number) of a list of `total` rows:
    a page past the end is the last page, and anything that is not a page number the first."""
    asked = "" if asked is None else str(asked).strip()
    pages = max(1, -(-total // size))
    number = int(asked) if asked.isascii() and asked.isdigit() and int(asked) >= 1 else 1
    return Page(min(number, pages), size, total, asked)
