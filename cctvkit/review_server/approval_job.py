"""The review page's approve button: record who approved, then run ``request process`` in the background."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cctvkit.errors import CctvkitError, ConflictError
from cctvkit.requests.decisions import load_decisions, record_approval
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.release_once import release_for_state, remember_release, review_state
from cctvkit.requests.review_page import ReviewSession
from cctvkit.requests.run import plan_request
from cctvkit.requests.verify import verify_path

__all__ = ["ApprovalJob"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Status:
    state: str = "idle"  # idle | running | done | failed
    done: int = 0
    total: int = 0
    release_id: str | None = None
    outcome: str | None = None
    path: str | None = None
    verified: bool | None = None
    problems: tuple[str, ...] = ()
    error: str | None = None
    repeated: bool = False  # an earlier release of the same review state, not a new one


class ApprovalJob:
    """One release run at a time from the page; its progress and result for the page to poll."""

    def __init__(self, session: ReviewSession) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._status = _Status()
        self._thread: threading.Thread | None = None

    def status(self) -> dict[str, Any]:
        with self._lock:
            s = self._status
            return {
                "state": s.state,
                "done": s.done,
                "total": s.total,
                "release_id": s.release_id,
                "outcome": s.outcome,
                "path": s.path,
                "verified": s.verified,
                "problems": list(s.problems),
                "error": s.error,
                "repeated": s.repeated,
            }

    def start(self, *, again: bool = False) -> dict[str, Any]:
        """Record the approval and start the release run, unless these decisions were released already.

        Approving is idempotent per review state (plan and decisions): a second approval of the
        same state answers with the release made from it. ``again`` makes another release anyway.

        Raises:
            ConflictError: a run started from this page is still going.
        """
        session = self._session
        with self._lock:
            if self._status.state == "running":
                raise ConflictError("a release run is already under way")
            self._status = _Status(state="running")
        try:
            plan = plan_request(session.catalog, session.request_id)
            state = review_state(session.catalog, session.request_id, plan)
            earlier = None if again else release_for_state(session.catalog, session.request_id, state)
            if earlier is not None:
                check = verify_path(Path(earlier.path), catalog=session.catalog, site=session.config)
                with self._lock:
                    self._status = _Status(
                        state="done",
                        release_id=earlier.id,
                        outcome=earlier.outcome,
                        path=earlier.path,
                        verified=check.ok,
                        problems=tuple(check.problems),
                        repeated=True,
                    )
                return self.status()
            reviewed = load_decisions(session.catalog, session.request_id, plan.clips)
            record_approval(
                session.catalog,
                session.request_id,
                actor=session.actor,
                details={
                    "review_state": state,
                    "again": again,
                    "clips": [
                        {
                            "clip": number,
                            "kept_tracks": sorted(d.keep_tracks),
                            "manual_masks": [m.id for m in d.masks],
                            **({"accepted_faces": [a.id for a in d.accepted]} if d.accepted else {}),
                            **({"kept_text_lines": sorted(d.keep_text_lines)} if d.keep_text_lines else {}),
                        }
                        for number, d in sorted(reviewed.items())
                    ],
                },
            )
        except BaseException:
            with self._lock:
                self._status = _Status()
            raise
        self._thread = threading.Thread(
            target=self._run, args=(state, again), name="review-approve", daemon=True
        )
        self._thread.start()
        return self.status()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._status.done, self._status.total = done, total

    def _run(self, state: str, again: bool) -> None:
        session = self._session
        try:
            result = process_request(
                session.catalog,
                session.config,
                session.request_id,
                actor=session.actor,
                options=ProcessOptions(
                    redact=session.options,
                    face_check=session.face_check,
                    requester_only=session.requester_only,
                    # `request process` refuses to repeat a release unless told why (issue 30).
                    new_release="another release asked for on the review page" if again else None,
                ),
                progress=self._progress,
                plan=plan_request(session.catalog, session.request_id),
                detector=session.detector,
            )
            remember_release(
                session.catalog, session.request_id, state, result.release.id, actor=session.actor
            )
            check = verify_path(result.path, catalog=session.catalog, site=session.config)
        except CctvkitError as exc:
            log.warning("release run from the review page failed: %s", exc)
            with self._lock:
                self._status.state, self._status.error = "failed", str(exc)
            return
        except Exception as exc:  # a bug: say so on the page, keep the traceback in the log
            log.exception("release run from the review page failed")
            with self._lock:
                self._status.state, self._status.error = "failed", f"internal error: {exc}"
            return
        with self._lock:
            s = self._status
            s.state = "done"
            s.release_id, s.outcome, s.path = result.release.id, result.release.outcome, str(result.path)
            s.verified, s.problems = check.ok, tuple(check.problems)
