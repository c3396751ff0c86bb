"""Execution-provider choice, tested from given lists (no accelerator needed)."""

from __future__ import annotations

import pytest

from cctvkit.errors import UsageError
from cctvkit.redact.providers import choose_providers

CPU = "CPUExecutionProvider"


@pytest.mark.parametrize(
    ("available", "requested", "expected"),
    [
        ([CPU], None, [CPU]),
        (["AzureExecutionProvider", CPU], None, [CPU]),
        (["CUDAExecutionProvider", CPU], None, ["CUDAExecutionProvider", CPU]),
        (["OpenVINOExecutionProvider", CPU], "auto", ["OpenVINOExecutionProvider", CPU]),
        (["DmlExecutionProvider", CPU], None, ["DmlExecutionProvider", CPU]),
        (
            [CPU, "OpenVINOExecutionProvider", "CUDAExecutionProvider"],
            None,
            ["CUDAExecutionProvider", CPU],
        ),
        (["CUDAExecutionProvider", CPU], "cpu", [CPU]),
        (["CUDAExecutionProvider", CPU], "cuda", ["CUDAExecutionProvider", CPU]),
        (["OpenVINOExecutionProvider", CPU], "OpenVINOExecutionProvider", ["OpenVINOExecutionProvider", CPU]),
    ],
)
def test_choose_providers(available: list[str], requested: str | None, expected: list[str]) -> None:
    assert choose_providers(available, requested) == expected


def test_requested_provider_not_installed() -> None:
    with pytest.raises(UsageError, match="cuda"):
        choose_providers([CPU], "cuda")
