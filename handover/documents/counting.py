"""What 件数 means on every document: one definition (issue 8 §7).

The manifest's `rows` (crypto/rows.py) counts every CSV record the csv module reads, the
header line included; its `header` says whether the first is a header line, and
`FileEntry.records` is the data records (docs/package-format.md, "Data records"). The
documents print those, as `package open` does, and say so, because 件数 on a 確認書 is the
number of people in the extract, never a header.
"""

RECORD_COUNT_DEFINITION = ("データ件数＝CSVファイルのデータ行（レコード）の数。見出し行は数えず、"
                           "引用符内の改行は行の区切りとしない。")
