"""What the face check found and did: its findings and the summary reports and manifests carry.

The face check (:mod:`cctvkit.redact.face_checker`) looks at a rendered output with a second model
family for faces still visible; its summary is written under the ``face_check`` key of reports
and manifests. Releases made before the rename carry it as ``audit``: :func:`face_check_entry`
reads either, so older manifests read the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cctvkit.redact.options import FaceCheckOptions

if TYPE_CHECKING:
    from cctvkit.redact.detectors.base import DetectorInfo

__all__ = ["LEGACY_KEY", "REPORT_KEY", "CheckModel", "FaceCheckSummary", "Finding", "face_check_entry"]

REPORT_KEY = "face_check"
"""Key of the face check's summary in reports and manifests."""

LEGACY_KEY = "audit"
"""The key older reports and manifests used (before "audit" came to mean the audit log only)."""


def face_check_entry(entry: Mapping[str, Any]) -> Any:
    """The face check's summary in a report or manifest entry, under its current or older key."""
    return entry[REPORT_KEY] if REPORT_KEY in entry else entry.get(LEGACY_KEY)


@dataclass(frozen=True, slots=True)
class Finding:
    """A face the face check saw in the output.

    Attributes:
        frame: output frame index.
        xyxy: face box, pixels.
        score: the model's confidence.
        model: ``retinaface`` or ``retinaface-zoom2x`` (``centerface-zoom2x`` in older reports).
        verdict: what it is (:class:`~cctvkit.redact.finding_verdict.Reason`'s text), judged
            against the original frame; None: not judged (older reports, stills), which blocks.
        evidence: a PNG of the original beside the output around it (blocking findings left
            after the last round), or None.
    """

    frame: int
    xyxy: tuple[float, float, float, float]
    score: float
    model: str
    verdict: str | None = None
    evidence: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether it stops a release: a face a person could recognise, still visible (issue 25)."""
        return self.verdict is None or self.verdict == "visible face"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The finding :meth:`to_dict` wrote."""
        x1, y1, x2, y2 = (float(v) for v in data["xyxy"])
        return cls(
            int(data["frame"]),
            (x1, y1, x2, y2),
            float(data["score"]),
            str(data["model"]),
            data.get("verdict"),
            data.get("evidence"),
        )

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "frame": self.frame,
            "xyxy": [round(v, 1) for v in self.xyxy],
            "score": round(self.score, 3),
            "model": self.model,
        }
        if self.verdict is not None:  # absent: as reports were before findings were judged
            data["verdict"] = self.verdict
            data["blocking"] = self.blocking
        if self.evidence is not None:
            data["evidence"] = self.evidence
        return data


@dataclass(frozen=True, slots=True)
class CheckModel:
    """A model the face check ran, as reports name it."""

    name: str
    weights_sha256: str
    licence: str
    provider: str
    precision: str = "fp32"

    def to_dict(self) -> dict[str, str]:
        data = {
            "name": self.name,
            "weights_sha256": self.weights_sha256,
            "licence": self.licence,
            "provider": self.provider,
        }
        if self.precision != "fp32":  # absent: fp32, as reports were before the zoomed check ran int8
            data["precision"] = self.precision
        return data


_SUMMED = ("frames_checked", "findings", "re_masked", "kept_skipped")
_PER_CHUNK = ("frames_checked", "findings", "re_masked", "rounds", "remaining", "kept_skipped")


@dataclass(frozen=True, slots=True)
class FaceCheckSummary:
    """What the face check did to one output: the ``face_check`` object of reports and manifests.

    Frozen: a clip of several chunks gets one made by :meth:`merge`, never one changed in place.

    Attributes:
        enabled: whether the output was checked at all.
        models: the detectors that checked.
        every_frames: one output frame in this many was checked.
        zoom: the zoomed crops' enlargement.
        retina_threshold: RetinaFace's threshold.
        zoom_threshold: the zoomed check's threshold.
        frames_checked: frames checked, over all rounds.
        findings: faces found, over all rounds.
        verdicts: how many of them were judged what (:class:`Finding`'s ``verdict``; "not
            judged" where there was no original to judge against): on busy footage most findings
            are under the recognisable size, reported and re-masked but not blocking.
        re_masked: findings masked and rendered again.
        rounds: re-mask rounds run (of a chunked clip: the most any chunk ran).
        max_rounds: the rounds allowed.
        kept_skipped: faces seen on kept tracks' boxes (the subject, left visible).
        remaining_findings: faces still seen after the last round, blocking or not (see
            :attr:`Finding.blocking`; only blocking ones count in ``remaining``).
        elapsed_s: seconds checking (the re-renders' time apart).
        re_render_s: seconds the re-renders took (None: not recorded, as in a still's older reports).
        chunks: per chunk of a chunked clip, its own figures (None: one pass).
    """

    enabled: bool
    models: tuple[CheckModel, ...] = ()
    every_frames: int = 0
    zoom: float = 0.0
    retina_threshold: float = 0.0
    zoom_threshold: float = 0.0
    frames_checked: int = 0
    findings: int = 0
    re_masked: int = 0
    rounds: int = 0
    max_rounds: int = 0
    kept_skipped: int = 0
    remaining_findings: tuple[Finding, ...] = ()
    elapsed_s: float = 0.0
    re_render_s: float | None = None
    chunks: tuple[dict[str, int], ...] | None = None
    verdicts: Mapping[str, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        """Faces still seen after the last round that block a release (a finding judged masked,
        not a face or too small to recognise is listed in ``remaining_findings`` but does not
        count; see :mod:`cctvkit.redact.finding_verdict`)."""
        return sum(f.blocking for f in self.remaining_findings)

    @classmethod
    def off(cls, options: FaceCheckOptions) -> FaceCheckSummary:
        """The summary of an output left unchecked."""
        return cls.of(options)

    @classmethod
    def of(
        cls,
        options: FaceCheckOptions,
        *,
        models: Iterable[DetectorInfo] = (),
        kept_skipped: int = 0,
        frames_checked: int = 0,
        findings: int = 0,
        re_masked: int = 0,
        remaining: Iterable[Finding] = (),
        rounds: int = 0,
        elapsed_s: float = 0.0,
        re_render_s: float | None = None,
        verdicts: Mapping[str, int] | None = None,
    ) -> FaceCheckSummary:
        """The summary of a check run with ``options`` by ``models``."""
        return cls(
            enabled=options.enabled,
            models=tuple(CheckModel(m.name, m.sha256, m.licence, m.provider, m.precision) for m in models),
            every_frames=options.every,
            zoom=options.zoom,
            retina_threshold=options.retina_threshold,
            zoom_threshold=options.zoom_threshold,
            frames_checked=frames_checked,
            findings=findings,
            re_masked=re_masked,
            rounds=rounds,
            max_rounds=options.rounds,
            kept_skipped=kept_skipped,
            remaining_findings=tuple(remaining),
            elapsed_s=round(elapsed_s, 3),
            re_render_s=None if re_render_s is None else round(re_render_s, 3),
            verdicts=dict(verdicts or {}),
        )

    @classmethod
    def merge(cls, parts: Sequence[FaceCheckSummary], first_frames: Sequence[int]) -> FaceCheckSummary:
        """One summary of a clip from its chunks' (each checked its own frames; chunk ``i``'s
        output starts at clip frame ``first_frames[i]``).

        Counts and times are summed, ``rounds`` is the most any chunk took and the remaining
        findings are renumbered to the clip's frames, so the clip is judged (exit 9,
        ``--accept-faces``, ``--withhold``) as if checked in one pass; ``chunks`` keeps each
        chunk's own figures.
        """
        if not parts:
            raise ValueError("nothing to merge")
        first = parts[0]
        renders = [p.re_render_s for p in parts if p.re_render_s is not None]
        return replace(
            first,
            **{key: sum(getattr(p, key) for p in parts) for key in _SUMMED},
            rounds=max(p.rounds for p in parts),
            remaining_findings=tuple(
                replace(f, frame=f.frame + start)
                for p, start in zip(parts, first_frames, strict=True)
                for f in p.remaining_findings
            ),
            elapsed_s=round(sum(p.elapsed_s for p in parts), 3),
            re_render_s=round(sum(renders), 3) if renders else None,
            verdicts=dict(sum((Counter(p.verdicts) for p in parts), Counter())),
            chunks=tuple(
                {"index": index, "first_frame": start, **{k: getattr(p, k) for k in _PER_CHUNK}}
                for index, (p, start) in enumerate(zip(parts, first_frames, strict=True))
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (the ``face_check`` object of reports and manifests)."""
        data: dict[str, Any] = {
            "enabled": self.enabled,
            "models": [m.to_dict() for m in self.models],
            "every_frames": self.every_frames,
            "zoom": self.zoom,
            "thresholds": {"retinaface": self.retina_threshold, "zoomed": self.zoom_threshold},
            "frames_checked": self.frames_checked,
            "findings": self.findings,
            "re_masked": self.re_masked,
            "rounds": self.rounds,
            "max_rounds": self.max_rounds,
            "kept_skipped": self.kept_skipped,
            "remaining": self.remaining,
            "remaining_findings": [f.to_dict() for f in self.remaining_findings],
            "elapsed_s": self.elapsed_s,
        }
        if self.re_render_s is not None:
            data["re_render_s"] = self.re_render_s
        if self.verdicts:  # absent: as reports were before (or nothing found)
            data["findings_by_verdict"] = dict(sorted(self.verdicts.items()))
        if self.chunks is not None:
            data["chunks"] = [dict(c) for c in self.chunks]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaceCheckSummary:
        """The summary :meth:`to_dict` wrote (a chunk's report, an older release's manifest)."""
        thresholds = data.get("thresholds") or {}
        return cls(
            enabled=bool(data["enabled"]),
            models=tuple(CheckModel(**m) for m in data.get("models", [])),
            every_frames=int(data.get("every_frames", 0)),
            zoom=float(data.get("zoom", 0.0)),
            retina_threshold=float(thresholds.get("retinaface", 0.0)),
            zoom_threshold=float(thresholds.get("zoomed", 0.0)),
            frames_checked=int(data.get("frames_checked", 0)),
            findings=int(data.get("findings", 0)),
            re_masked=int(data.get("re_masked", 0)),
            rounds=int(data.get("rounds", 0)),
            max_rounds=int(data.get("max_rounds", 0)),
            kept_skipped=int(data.get("kept_skipped", 0)),
            remaining_findings=tuple(Finding.from_dict(f) for f in data.get("remaining_findings", [])),
            elapsed_s=float(data.get("elapsed_s", 0.0)),
            re_render_s=None if data.get("re_render_s") is None else float(data["re_render_s"]),
            chunks=None if data.get("chunks") is None else tuple(dict(c) for c in data["chunks"]),
            verdicts={str(k): int(v) for k, v in (data.get("findings_by_verdict") or {}).items()},
        )
