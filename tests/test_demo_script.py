"""`make demo` prints its commands so that pasting them into a shell runs them (issue 27)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARGS = ["Alex Doe", "12 High St, Riverside", "it's", "$HOME", "a;b", ""]


def test_printed_command_pasted_into_a_shell_does_the_same() -> None:
    script = 'source scripts/demo-lib.sh; run printf "[%s]\\n" "$@"'
    env = {"PATH": "/usr/bin:/bin", "BIN": str(Path(sys.executable).parent)}
    done = subprocess.run(
        ["bash", "-c", script, "demo", *ARGS], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    shown = [line[2:] for line in done.stdout.splitlines() if line.startswith("$ ")]
    ran = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(shown) == 1 and ran == [f"[{a}]" for a in ARGS]
    pasted = subprocess.run(["bash", "-c", shown[0]], env=env, capture_output=True, text=True, check=True)
    assert pasted.stdout.splitlines() == ran


def test_the_demo_scripts_print_through_it() -> None:
    for name in ("demo.sh", "demo-request.sh"):
        text = (REPO / "scripts" / name).read_text()
        assert "source scripts/demo-lib.sh" in text and "run()" not in text, name
