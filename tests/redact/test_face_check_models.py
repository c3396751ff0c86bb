"""The face check is independent of the first pass (issue 25): none of its models is the first
pass's, as the report of a checked redaction records them."""

from __future__ import annotations

from pathlib import Path

from cctvkit.redact import FaceDetector
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.samplegen import GroundTruth
from tests.redaction import redact_with


def test_the_face_check_models_are_not_the_first_pass(
    clip_two_faces: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, _ = clip_two_faces
    report = redact_with(source, tmp_path / "out.mp4", detector=detector, face_check=FaceCheckOptions())
    checked = report.face_check_json
    assert checked is not None and checked["enabled"]
    first = report.detector
    assert first.name == "centerface"
    models = checked["models"]
    # RetinaFace natively (fp32) and on zoomed crops (its int8 copy on a CPU with onnx).
    assert [(m["name"], m.get("precision", "fp32")) for m in models] == [
        ("retinaface", "fp32"),
        ("retinaface", "int8"),
    ]
    assert all(m["weights_sha256"] != first.sha256 for m in models)
    assert all("centerface" not in f["model"] for f in checked["remaining_findings"])
