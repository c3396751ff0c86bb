"""Choose onnxruntime execution providers: an accelerator when one is installed, CPU otherwise."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cctvkit.errors import UsageError

__all__ = ["PREFERRED_PROVIDERS", "choose_providers", "cpu_threads"]

PREFERRED_PROVIDERS: tuple[str, ...] = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "ROCMExecutionProvider",
    "OpenVINOExecutionProvider",
    "DmlExecutionProvider",
    "CoreMLExecutionProvider",
    "CPUExecutionProvider",
)
"""Best first. Providers not named here (e.g. ``AzureExecutionProvider``, a remote endpoint) are
never chosen automatically."""


def choose_providers(available: Sequence[str], requested: str | None = None) -> list[str]:
    """Order the providers a session should try, always ending with the CPU.

    Args:
        available: what ``onnxruntime.get_available_providers()`` reports.
        requested: a provider name (``"CUDAExecutionProvider"``, or short ``"cuda"``, ``"cpu"``)
            to use instead of the automatic choice; ``None`` or ``"auto"`` picks automatically.

    Returns:
        Provider names in priority order; ``CPUExecutionProvider`` is always last.

    Raises:
        UsageError: ``requested`` is not available.
    """
    cpu = "CPUExecutionProvider"
    if requested and requested.lower() != "auto":
        wanted = _canonical(requested, available)
        if wanted not in available and wanted != cpu:
            raise UsageError(
                f"execution provider {requested!r} is not installed "
                f"(available: {', '.join(available) or 'none'})"
            )
        return [wanted] if wanted == cpu else [wanted, cpu]
    # Only one accelerator: a second one rarely helps and doubles start-up time and memory.
    for name in PREFERRED_PROVIDERS:
        if name != cpu and name in available:
            return [name, cpu]
    return [cpu]


def _canonical(name: str, available: Sequence[str]) -> str:
    lowered = name.lower().removesuffix("executionprovider")
    for candidate in (*PREFERRED_PROVIDERS, *available):
        if candidate.lower().removesuffix("executionprovider") == lowered:
            return candidate
    return name


def cpu_threads() -> int:
    """Return the cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
