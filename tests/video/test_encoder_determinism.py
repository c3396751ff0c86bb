"""Chunk segments must be the same bytes wherever they are encoded (docs/deployment.md, "Same
output"). x264 with macroblock-tree rate control reads memory it has not written when the height
is not a multiple of 16: the same frames encoded again in one process came out 2-6 ways in 20-60
encodes (a 480x270 clip; CI failed on it in ``tests/jobs/test_local.py``). Chunk jobs call
:func:`fill_fresh_memory` first, so every block the heap hands out starts as the same bytes.

Whether a given process shows the difference depends on its heap's history (a test process could
not be made to show it reliably), so the encodes themselves are covered by the chunk tests
(``tests/jobs``: segments compared byte for byte, run repeatedly); here, the mechanism."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import ctypes, sys
from cctvkit.video.writer import fill_fresh_memory

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
if sys.argv[1] == "fill":
    assert fill_fresh_memory() and fill_fresh_memory()  # once per process; later calls are no-ops
# Dirty a block, free it, and take it again: without the fill, the old bytes come back.
first = libc.malloc(4096)
ctypes.memset(first, 0x37, 4096)
libc.free(ctypes.c_void_p(first))
again = libc.malloc(4096)
print(sorted(set(ctypes.string_at(again + 64, 3968))))
"""


def _fresh_bytes(mode: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_fresh_heap_memory_reads_the_same_bytes_in_every_process() -> None:
    assert _fresh_bytes("fill") == _fresh_bytes("fill") == "[165]"  # 0x5A ^ 0xFF, glibc's fill
    assert _fresh_bytes("none") == "[55]"  # what the process left there: 0x37
