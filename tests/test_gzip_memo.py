"""A cached answer is compressed once, not on every request that accepts gzip."""

from __future__ import annotations

import gzip

from hairkg.web.http import _GzipMemo


def test_the_same_body_is_compressed_once() -> None:
    memo = _GzipMemo(max_bytes=1024 * 1024)
    body = b"<result>" * 1000
    first = memo.compress(body)
    assert gzip.decompress(first) == body
    assert memo.compress(body) is first
    assert memo.compress(bytes(body)) is first  # equal bytes, another object


def test_the_memo_stays_within_its_bound() -> None:
    memo = _GzipMemo(max_bytes=64 * 1024)
    for index in range(200):
        memo.compress(bytes([index % 256]) * 50_000 + index.to_bytes(4, "big"))
    assert memo.size <= 64 * 1024
