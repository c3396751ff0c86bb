"""The table in docs/reliability.md, rendered from the reliability tests' own parameters.

``python -m tests.reliability.figures`` prints it; ``test_figures.py`` fails when the document and
the tests disagree, so the counts stated are the counts CI runs. The zero columns are what each of
those tests asserts after every run (they fail otherwise).
"""

from __future__ import annotations

from tests.reliability.test_concurrency import RANDOM_PURGE_KILLS
from tests.reliability.test_paths_access import ESCAPING_IDS, REQUEST_COMMANDS
from tests.reliability.test_properties import EXAMPLES
from tests.reliability.test_redact_input import ACCEPTED, REFUSED
from tests.reliability.test_release_faults import KILL_POINTS, RANDOM_KILLS
from tests.reliability.test_request_open import KILL_POINTS as OPEN_KILL_POINTS
from tests.reliability.test_scan_race import SCAN_STOP_POINTS

BACKENDS = 2
"""CI runs every ``site`` test on SQLite and on PostgreSQL."""

INDEX_BAD_INPUTS = 15
"""Kinds of bad file in tests/ingest/test_bad_input.py (issue 7 builds on it; not repeated here)."""

HEADER = (
    "| what was tried | test | runs per backend | total in CI | held or in-retention files lost "
    "| faces leaked | result |\n"
    "|---|---|---:|---:|---:|---:|---|"
)


def rows() -> list[tuple[str, str, int, int, str, str, str]]:
    """(what, test, runs per backend, total, lost, leaked, result); total covers both backends."""
    per_site = [
        (
            f"SIGKILL a release at each of its {len(KILL_POINTS)} steps, then a normal run",
            "test_release_faults.py",
            len(KILL_POINTS),
            "0",
            "0",
            "no unrecorded package, no leftover verifies; next run puts a recorded package in place",
        ),
        (
            "SIGKILL a release at a random instant (mostly mid-redaction)",
            "test_release_faults.py",
            RANDOM_KILLS,
            "0",
            "0",
            "same; no stale staging or work temp file after the next run",
        ),
        (
            f"SIGKILL `request new` at {len(OPEN_KILL_POINTS)} points in its transaction",
            "test_request_open.py",
            len(OPEN_KILL_POINTS),
            "0",
            "n/a",
            "nothing committed; never a request without its holds",
        ),
        (
            "SIGKILL a purge at a random instant while a release of held footage runs",
            "test_concurrency.py",
            RANDOM_PURGE_KILLS,
            "0",
            "0",
            f"{RANDOM_PURGE_KILLS} releases verify; held sources all present; due footage purged",
        ),
        (
            "purge while a release reads footage whose hold was just released (lease)",
            "test_concurrency.py",
            1,
            "0",
            "0",
            "purge keeps the 2 leased files, release completes, next purge deletes them",
        ),
        (
            "release while a purge is deleting its footage",
            "test_concurrency.py",
            1,
            "0",
            "n/a",
            "release refused (exit 13), nothing staged; retry says nothing is left",
        ),
        (
            "two operators process (and review, and close) one request at once",
            "test_concurrency.py",
            1,
            "0",
            "0",
            "second refused at once (exit 8), close too; after the first, r1 and r2 both verify",
        ),
        (
            f"index scan held at {len(SCAN_STOP_POINTS)} points while a purge runs",
            "test_scan_race.py",
            len(SCAN_STOP_POINTS),
            "0",
            "n/a",
            "purged rows stay purged (before the fix: turned into missing); no crash on a file gone mid-scan",
        ),
        (
            "unlocking an unredacted copy without a second person: a name typed with `--by`, an unsigned "
            "approval, the operator's own key, an approver bound to the copier's OS user, a statement "
            "altered (scope, request id), an approval moved to another request, one approval used twice "
            "(issue 19)",
            "tests/requests/test_approvals.py",
            8,
            "n/a",
            "0",
            "each refused (exit 7) naming the reason, no package made; a recipient's `release verify "
            "--approver-key` fails (exit 10) on an untrusted key",
        ),
        (
            f"request ids that try to escape ({len(ESCAPING_IDS)} ids x {len(REQUEST_COMMANDS)} commands)",
            "test_paths_access.py",
            len(ESCAPING_IDS) * len(REQUEST_COMMANDS),
            "0",
            "n/a",
            "all refused (exit 2), no directory created",
        ),
        (
            "symlinks out of the archive (file, directory), release dir in / symlinked into the archive",
            "test_paths_access.py",
            4,
            "0",
            "n/a",
            "link quarantined, directory not followed, target never deleted; release dirs refused (exit 5)",
        ),
    ]
    out = [(what, test, n, n * BACKENDS, lost, leaked, res) for what, test, n, lost, leaked, res in per_site]
    out += [
        (
            "data, work or release dir, or the SQLite catalog file, opened to others (PostgreSQL: no file)",
            "test_paths_access.py",
            4,
            4 + 3,
            "0",
            "n/a",
            "release refused (exit 12); everything cctvkit creates is 0700/0600",
        ),
        (
            f"bad input to `cctvkit redact`: {', '.join(REFUSED)}",
            "test_redact_input.py",
            len(REFUSED),
            len(REFUSED),
            "n/a",
            "0",
            "each refused with one line (exit 6, or 2 for a still), no output left",
        ),
        (
            f"unusual input to `cctvkit redact`: {', '.join(ACCEPTED)}",
            "test_redact_input.py",
            len(ACCEPTED),
            len(ACCEPTED),
            "n/a",
            "0",
            "every frame kept at its own time, every face masked, no audio",
        ),
        (
            "non-UTF-8 file name to `cctvkit redact`",
            "test_redact_input.py",
            1,
            1,
            "n/a",
            "0",
            "redacted; the name is kept in the JSON report as \\udcXX escapes",
        ),
        (
            "bad files in the archive (zero-byte, truncated, random, wrong extension, raw H.264, "
            "huge dimensions, GIF, VFR, absurd times, unicode and non-UTF-8 names...)",
            "tests/ingest/test_bad_input.py",
            INDEX_BAD_INPUTS,
            INDEX_BAD_INPUTS * BACKENDS,
            "0",
            "n/a",
            "each quarantined with its reason (or indexed, when good), the scan goes on",
        ),
        (
            "hypothesis: request windows near every DST change, purge plan vs holds, config values",
            "test_properties.py",
            3 * EXAMPLES,
            3 * EXAMPLES,
            "0",
            "n/a",
            "windows exact or refused; plan = due and unheld, exactly; config loads or one ConfigError",
        ),
    ]
    return out


def render() -> str:
    """The markdown table."""
    lines = [HEADER]
    for what, test, n, total, lost, leaked, result in rows():
        lines.append(f"| {what} | `{test}` | {n} | {total} | {lost} | {leaked} | {result} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
