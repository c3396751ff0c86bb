"""Third-party faces and privacy zones masked out of released footage (policy 12.4, 12.8, 13.9.1).

Names are imported lazily (PEP 562): the detector stack (onnxruntime, supervision, trackers) costs about
two seconds to import, which commands that never redact (status, purge under cron) should not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
    from cctvkit.redact.analysis import (
        Analysis,
        AnalysisSummary,
        AnalyzedFrame,
        ClipInfo,
        FramePlan,
        StoredAnalysis,
        analyze,
        collect,
        replay,
    )
    from cctvkit.redact.carry import MaskPlanner
    from cctvkit.redact.detectors import DETECTORS, DetectorInfo, FaceDetector, create_detector
    from cctvkit.redact.masking import Masker, MaskMethod, MaskShape, MaskStyle
    from cctvkit.redact.motion import MotionRegions
    from cctvkit.redact.options import RedactOptions
    from cctvkit.redact.pipeline import build_detector, redact, redact_clip, review_paths
    from cctvkit.redact.providers import choose_providers
    from cctvkit.redact.regions import RegionDetector
    from cctvkit.redact.render import render, span_boxes
    from cctvkit.redact.report import FrameStat, RedactionReport, TrackSummary
    from cctvkit.redact.spec import Engines, MaskSpec, Outputs
    from cctvkit.redact.tracking import FaceTracker
    from cctvkit.redact.weights import ModelWeights, resolve_weights
    from cctvkit.redact.zones import Polygon, rasterize_zones

_LAZY = {
    **{
        name: "cctvkit.redact.analysis"
        for name in (
            "Analysis",
            "AnalysisSummary",
            "AnalyzedFrame",
            "ClipInfo",
            "FramePlan",
            "StoredAnalysis",
            "analyze",
            "collect",
            "replay",
        )
    },
    "MaskPlanner": "cctvkit.redact.carry",
    "DETECTORS": "cctvkit.redact.detectors",
    "DetectorInfo": "cctvkit.redact.detectors",
    "FaceDetector": "cctvkit.redact.detectors",
    "create_detector": "cctvkit.redact.detectors",
    "Masker": "cctvkit.redact.masking",
    "MaskMethod": "cctvkit.redact.masking",
    "MaskShape": "cctvkit.redact.masking",
    "MaskStyle": "cctvkit.redact.masking",
    "MotionRegions": "cctvkit.redact.motion",
    "RedactOptions": "cctvkit.redact.options",
    "build_detector": "cctvkit.redact.pipeline",
    "redact": "cctvkit.redact.pipeline",
    "redact_clip": "cctvkit.redact.pipeline",
    "Engines": "cctvkit.redact.spec",
    "MaskSpec": "cctvkit.redact.spec",
    "Outputs": "cctvkit.redact.spec",
    "review_paths": "cctvkit.redact.pipeline",
    "render": "cctvkit.redact.render",
    "span_boxes": "cctvkit.redact.render",
    "choose_providers": "cctvkit.redact.providers",
    "RegionDetector": "cctvkit.redact.regions",
    "FrameStat": "cctvkit.redact.report",
    "RedactionReport": "cctvkit.redact.report",
    "TrackSummary": "cctvkit.redact.report",
    "FaceTracker": "cctvkit.redact.tracking",
    "ModelWeights": "cctvkit.redact.weights",
    "resolve_weights": "cctvkit.redact.weights",
    "Polygon": "cctvkit.redact.zones",
    "rasterize_zones": "cctvkit.redact.zones",
}

__all__ = [
    "DETECTORS",
    "Analysis",
    "AnalysisSummary",
    "AnalyzedFrame",
    "ClipInfo",
    "DetectorInfo",
    "Engines",
    "FaceDetector",
    "FaceTracker",
    "FramePlan",
    "FrameStat",
    "MaskMethod",
    "MaskPlanner",
    "MaskShape",
    "MaskSpec",
    "MaskStyle",
    "Masker",
    "ModelWeights",
    "MotionRegions",
    "Outputs",
    "Polygon",
    "RedactOptions",
    "RedactionReport",
    "RegionDetector",
    "StoredAnalysis",
    "TrackSummary",
    "analyze",
    "build_detector",
    "choose_providers",
    "collect",
    "create_detector",
    "rasterize_zones",
    "redact",
    "redact_clip",
    "render",
    "replay",
    "resolve_weights",
    "review_paths",
    "span_boxes",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
