"""docs/reliability.md states the counts the reliability tests run (`python -m tests.reliability.figures`)."""

from __future__ import annotations

from tests.reliability.conftest import REPO
from tests.reliability.figures import render


def test_the_documented_table_is_what_the_tests_run() -> None:
    doc = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert render() in doc, "docs/reliability.md is stale: paste `python -m tests.reliability.figures`"
