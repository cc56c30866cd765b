"""Serving a recording that is encrypted at rest (souk.privacy.vault): decrypted as it streams, with single
HTTP byte ranges (a video element seeks with them), only the chunks a range covers opened."""

from __future__ import annotations

import re

from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response, StreamingResponse

from souk.live.recording import SealedReader

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a single satisfiable ``bytes=`` range; None for none or a form we do not serve (then
    the whole file is sent, as RFC 9110 allows); ValueError when unsatisfiable."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None or (not m[1] and not m[2]):
        return None
    if not m[1]:  # the last N bytes
        n = int(m[2])
        if n == 0:
            raise ValueError("empty suffix range")
        return max(size - n, 0), size
    start = int(m[1])
    end = min(int(m[2]) + 1, size) if m[2] else size
    if start >= size or end <= start:
        raise ValueError("range outside the file")
    return start, end


def sealed_response(reader: SealedReader, range_header: str | None, media_type: str) -> Response:
    size = reader.size
    try:
        wanted = _range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store"}
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(iterate_in_threadpool(reader.iter_range()), media_type=media_type, headers=headers)
    start, end = wanted
    headers |= {"Content-Length": str(end - start), "Content-Range": f"bytes {start}-{end - 1}/{size}"}
    return StreamingResponse(iterate_in_threadpool(reader.iter_range(start, end)), status_code=206,
                             media_type=media_type, headers=headers)
