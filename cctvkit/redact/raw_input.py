"""Redacting a raw elementary stream: remuxed at the operator's stated frame rate, recorded as assumed.

A bare ``.h264``/``.h265`` has no frame times, so its times in the output and the report are only
as true as the rate stated with ``--fps``; the report says so (``timing``) and names the raw file
as the input, not the temporary Matroska copy the redaction read.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from cctvkit.errors import UsageError
from cctvkit.redact.pipeline import default_report_path
from cctvkit.redact.report import RedactionReport, write_json
from cctvkit.video.remux import raw_stream_format, remux_raw

__all__ = ["raw_stream_input", "record_assumed_timing"]


@contextmanager
def raw_stream_input(
    path: Path, fps: float | None, work_dir: Path
) -> Iterator[tuple[Path, dict[str, str] | None]]:
    """The file to redact in place of ``path``, and the timing to record (``None``: its own).

    A raw stream is remuxed into a private temporary directory in ``work_dir`` (beside the output:
    footage stays on the disk it is kept on) and removed afterwards.

    Raises:
        UsageError: ``fps`` given for a file with timestamps, or a raw stream without ``fps``.
        VideoOpenError, CorruptVideoError: from the remux.
    """
    kind = raw_stream_format(path)
    if kind is None:
        if fps is not None:
            raise UsageError(f"{path}: --fps is for raw .h264/.h265 streams; this file has its own times")
        yield path, None
        return
    if fps is None:
        raise UsageError(
            f"{path}: a raw {kind} elementary stream has no frame times: give the rate it was recorded at, "
            "e.g. --fps 25"
        )
    rate = Fraction(fps).limit_denominator(1001)
    with tempfile.TemporaryDirectory(prefix=".cctvkit-remux-", dir=work_dir) as tmp:
        copy = Path(tmp) / (path.stem + ".mkv")
        remux_raw(path, copy, rate)
        yield (
            copy,
            {
                "assumed_fps": str(rate),
                "how": f"raw {kind} stream without timestamps, remuxed in-process at the stated --fps",
            },
        )


def record_assumed_timing(
    report: RedactionReport, source: Path, timing: dict[str, str], report_path: Path | None
) -> RedactionReport:
    """``report`` naming ``source`` and the assumed timing, rewritten to its JSON file."""
    report = dataclasses.replace(report, input_path=str(source), timing=timing)
    path = Path(report_path) if report_path is not None else default_report_path(Path(report.output_path))
    write_json(report.to_dict(), path)
    return report
