"""`request review ID --serve` as a real process: prints one link, refuses without it, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from tests.conftest import REPO
from tests.requests.test_request_cli import _new, cli_site, run  # noqa: F401 (fixture)


def _get(url: str) -> tuple[int, Message]:
    # Like the browser: the token's redirect to the page's path carries the session cookie there.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def test_serve_prints_a_token_link_and_stops_on_ctrl_c(cli_site: Path) -> None:  # noqa: F811
    rid = _new(cli_site, "--identity-method", "passport", "--identity-verified", "now")["id"]
    env = {**os.environ, "CCTVKIT_OPERATOR": "j.smith", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cctvkit", "-c", str(cli_site), "request", "review", rid, "--serve", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        url = json.loads(line)["url"]
        base = url.split("?")[0]
        assert base.startswith("http://127.0.0.1:") and "token=" in url
        assert _get(base)[0] == 403 and _get(base + "api/state")[0] == 403
        status, headers = _get(url)
        assert status == 200 and headers["Cache-Control"] == "no-store"
        assert _get(url)[0] == 403  # one-time
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == ""  # --json: the one line with the link, read above, and nothing after it
    code, out, _ = run(cli_site, "audit", "ls", "--json")
    assert code == 0 and "request.review" in out
