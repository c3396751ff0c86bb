"""Third-party faces and privacy zones masked out of released footage (policy 12.4, 12.8, 13.9.1)."""

from cctvkit.redact.carry import MaskPlanner
from cctvkit.redact.detectors import DETECTORS, DetectorInfo, FaceDetector, create_detector
from cctvkit.redact.masking import Masker, MaskMethod, MaskShape, MaskStyle
from cctvkit.redact.motion import MotionRegions
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.pipeline import build_detector, redact_video, review_paths
from cctvkit.redact.providers import choose_providers
from cctvkit.redact.regions import RegionDetector
from cctvkit.redact.report import FrameStat, RedactionReport, TrackSummary
from cctvkit.redact.tracking import FaceTracker
from cctvkit.redact.weights import ModelWeights, resolve_weights
from cctvkit.redact.zones import Polygon, rasterize_zones

__all__ = [
    "DETECTORS",
    "DetectorInfo",
    "FaceDetector",
    "FaceTracker",
    "FrameStat",
    "MaskMethod",
    "MaskPlanner",
    "MaskShape",
    "MaskStyle",
    "Masker",
    "ModelWeights",
    "MotionRegions",
    "Polygon",
    "RedactOptions",
    "RedactionReport",
    "RegionDetector",
    "TrackSummary",
    "build_detector",
    "choose_providers",
    "create_detector",
    "rasterize_zones",
    "redact_video",
    "resolve_weights",
    "review_paths",
]
