"""A multipart/form-data upload read as it arrives, for the sealing page: the extract's bytes
go from the network straight into the encryption, never to a file.

Starlette's `request.form()` spools a file part to a temporary file above 1 MB: the plaintext
would touch the disk. Here python-multipart's streaming `MultipartParser` is fed from
`request.stream()` chunk by chunk: the small text fields before the file are kept in memory;
the file part's bytes are handed, as they come, to `readinto`, which the sealing worker thread
calls (it pulls the next network chunk through the event loop, so at most one chunk is held).
The file must be the form's last field but for those after it (ignored).
"""

from __future__ import annotations

from typing import AsyncIterator

import anyio.from_thread
from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 32


class BadUpload(Exception):
    """The request is not the form the page sends (Japanese, for the page)."""


class StreamedForm:
    """The fields of a multipart form up to its file part, then the file as a stream."""

    def __init__(self, request: Request, file_field: str):
        kind, params = parse_options_header(request.headers.get("content-type", ""))
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise BadUpload("ファイルの送信形式が正しくありません（multipart/form-data）。")
        self.file_field = file_field
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file_bytes = 0
        self._pending = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._name: str | None = None
        self._value = bytearray()
        self._in_file = self._file_started = self._file_done = False
        self._stream_done = False
        self._discarding = False
        self._chunks: AsyncIterator[bytes] = request.stream().__aiter__()
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end})

    # --- the parser's callbacks (plain bytes in memory; the file's go to _pending) ---------

    def _part_begin(self) -> None:
        self._headers, self._name, self._value = {}, None, bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        if self._name == self.file_field and not self._file_started:
            self._in_file = self._file_started = True
            self.filename = params.get(b"filename", b"").decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            if not self._discarding:
                self._pending += data[start:end]
            self.file_bytes += end - start
            return
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise BadUpload(f"項目 {self._name} が長すぎます。")

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self._file_done = False, True
        elif self._name is not None:
            if len(self.fields) >= MAX_FIELDS:
                raise BadUpload("項目が多すぎます。")
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    # --- reading -------------------------------------------------------------------------

    async def _feed(self) -> None:
        if self._stream_done:
            return
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            self._stream_done = True
            self._parser.finalize()
            return
        if chunk:
            self._parser.write(chunk)

    async def read_fields(self) -> dict[str, str]:
        """Read up to the start of the file part; the fields before it."""
        while not self._file_started and not self._stream_done:
            await self._feed()
        if not self._file_started:
            raise BadUpload("ファイルが選ばれていません。")
        return self.fields

    def readinto(self, view: memoryview) -> int:
        """In a worker thread started by anyio (run_in_threadpool): the file's next bytes."""
        while not self._pending and not self._file_done and not self._stream_done:
            anyio.from_thread.run(self._feed)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        del self._pending[:n]
        return n

    async def finish(self) -> None:
        """Read the rest of the request (the closing boundary and any later field); what is
        left of the file, after a refusal, is dropped as it arrives."""
        self._discarding = True
        self._pending.clear()
        while not self._stream_done:
            await self._feed()
        self._pending.clear()
