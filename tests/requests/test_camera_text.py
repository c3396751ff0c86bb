"""A camera's ``mask_text`` and ``text_regions`` (issue 29) reach the options its footage is redacted with."""

from __future__ import annotations

import pytest

from cctvkit.config import CameraConfig
from cctvkit.redact.options import RedactOptions
from cctvkit.requests.camera_text import for_camera

LANE = [[[0.25, 0.45], [1.0, 0.45], [1.0, 1.0], [0.25, 1.0]]]


def _camera(**text: object) -> CameraConfig:
    return CameraConfig(
        id="gate",
        site="Depot",
        area="Vehicle gate",
        retention_days=30,
        retention_justification="Gate incidents are reported within days.",
        **text,
    )


@pytest.mark.parametrize(
    ("run", "camera", "masked"),
    [
        (False, None, False),
        (False, True, True),
        (True, None, True),
        (True, False, True),
        (False, False, False),
    ],
)
def test_a_camera_can_ask_for_text_masks(run: bool, camera: bool | None, masked: bool) -> None:
    options = for_camera(RedactOptions(mask_text=run), _camera(mask_text=camera))
    assert options.mask_text is masked


def test_regions_are_the_cameras_and_survive_a_job_round_trip() -> None:
    options = for_camera(RedactOptions(), _camera(mask_text=True, text_regions=LANE))
    assert options.text_regions == (((0.25, 0.45), (1.0, 0.45), (1.0, 1.0), (0.25, 1.0)),)
    assert RedactOptions.from_dict(options.to_dict()) == options
    # A run without text masks says nothing of them (chunk job names stay what they were).
    assert "mask_text" not in RedactOptions().to_dict() and "text_regions" not in RedactOptions().to_dict()


def test_a_region_outside_the_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="less than or equal to 1"):
        _camera(text_regions=[[[0.0, 0.0], [1.5, 0.0], [1.0, 1.0]]])
