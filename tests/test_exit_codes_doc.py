"""The exit-code table people script against says what each code means, for every command (issue 27)."""

from __future__ import annotations

import re
from pathlib import Path

from cctvkit import errors

REPO = Path(__file__).resolve().parents[1]


def _table_rows() -> dict[int, str]:
    """``| N | meaning |`` rows of the exit-code table, wherever the docs keep it (README or docs/)."""
    rows: dict[int, str] = {}
    for page in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        for line in page.read_text(encoding="utf-8").splitlines():
            match = re.fullmatch(r"\| (\d{1,3}) \| (.+) \|", line.strip())
            if match:
                rows.setdefault(int(match.group(1)), match.group(2))
    return rows


def test_every_error_exit_code_is_documented_and_10_names_release_verify() -> None:
    rows = _table_rows()
    codes = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.CctvkitError)
    }
    assert codes - {1} <= set(rows), sorted(codes - set(rows))
    assert "audit" in rows[10] and "release verify" in rows[10]
