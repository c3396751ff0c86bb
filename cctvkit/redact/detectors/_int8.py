"""Make an int8 copy of an ONNX detector from its verified fp32 weights, once, and cache it.

On CPUs with int8 dot-product instructions (AVX-512 VNNI, AVX-VNNI) static int8 quantisation makes
CenterFace about 1.5x faster per pixel (issue #6). The copy is made locally from the shipped
weights (nothing is downloaded): the graph is upgraded to opset 13, batch norms are folded into
the convolutions, and activations are calibrated on deterministic synthetic frames (the
generator's backgrounds and face sprites at several sizes). It is cached under a name made of
the weights' sha256 and :data:`RECIPE`, so changed weights or a changed recipe make a new copy.

Needs the ``onnx`` package (onnxruntime's quantisation tools import it); without it
:func:`int8_available` is false and callers keep fp32.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.errors import ModelError
from cctvkit.files import atomic_path
from cctvkit.notices import notice

__all__ = [
    "RECIPE",
    "calibration_frames",
    "default_cache_dir",
    "int8_available",
    "int8_model",
    "int8_pending",
    "with_precision",
]

log = logging.getLogger(__name__)

_CPU = "CPUExecutionProvider"


RECIPE = "qop-u8s8-pc-minmax-synth1"
"""Names the quantisation settings and calibration data; part of the cache key."""

_OPSET = 13
"""Per-channel weight scales need QuantizeLinear with ``axis`` (opset 13)."""


def int8_available() -> bool:
    """Whether the ``onnx`` package (needed to quantise) is installed; checked without importing it."""
    return importlib.util.find_spec("onnx") is not None


def default_cache_dir() -> Path:
    """Where int8 copies are kept: ``$CCTVKIT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/cctvkit/models``
    (``~/.cache/cctvkit/models``)."""
    explicit = os.environ.get("CCTVKIT_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cctvkit" / "models"


def _cache_file(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / f"{sha256[:32]}-{RECIPE}.onnx"


def int8_pending(sha256: str, *, cache_dir: Path | None = None) -> bool:
    """Whether the int8 copy of the weights ``sha256`` is still to be made on this machine (the
    first run's wait, which ``request estimate`` plans for)."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return int8_available() and not _cache_file(cache_dir, sha256).is_file()


def calibration_frames(size_wh: tuple[int, int] = (1024, 608), count: int = 12) -> Iterator[np.ndarray]:
    """Yield deterministic synthetic RGB frames with faces from ~20 to ~200 px for calibration.

    Args:
        size_wh: frame (width, height); the size the detector mostly runs at.
        count: frames to yield, spread over three backgrounds.
    """
    from cctvkit.samplegen.portraits import PORTRAITS
    from cctvkit.samplegen.scene import FaceTrack, Keyframe, Scene

    width, height = size_wh
    backgrounds = ("yard", "gate", "corridor")
    for index in range(count):
        rng = np.random.default_rng(index)
        tracks = [
            FaceTrack(
                f"f{n}",
                PORTRAITS[int(rng.integers(len(PORTRAITS)))],
                (Keyframe(0.0, float(rng.uniform(0.05, 0.95)), float(rng.uniform(0.2, 0.8)), size),),
            )
            for n, size in enumerate(rng.uniform(20, 200, size=int(rng.integers(2, 6))) / height)
        ]
        scene = Scene(
            size_wh=(width, height),
            fps=Fraction(25),
            tracks=tracks,
            background=backgrounds[index % len(backgrounds)],
            seed=index,
        )
        yield scene.render(0)[0]


def check_cache_file(path: Path) -> None:
    """Refuse a cached detector that someone else could have replaced.

    The copy is made from verified weights, but the cache lives outside the package: a file that is
    not ours, or that others may write, could be a detector doctored to miss faces.

    Raises:
        ModelError: the file is owned by another user or writable by group or others.
    """
    st = path.stat()
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        raise ModelError(
            f"cached int8 detector {path} is not private to this user (mode {st.st_mode & 0o777:o}); "
            "delete it to have it rebuilt"
        )


def int8_model(
    model: bytes,
    sha256: str,
    input_name: str,
    to_blob: Callable[[np.ndarray], np.ndarray],
    *,
    cache_dir: Path | None = None,
) -> Path:
    """Return the cached int8 copy of ``model``, making it first if needed (a few seconds).

    Args:
        model: the serialized fp32 ``ModelProto`` (with dynamic input sizes).
        sha256: the verified digest of the weights ``model`` was made from (the cache key).
        input_name: the graph input fed with calibration blobs.
        to_blob: turns one RGB uint8 frame into the model's input tensor.
        cache_dir: where copies are kept (default :func:`default_cache_dir`).

    Returns:
        The int8 model file.

    Raises:
        ModelError: ``onnx`` is missing, or quantisation or writing the cache failed.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = _cache_file(cache_dir, sha256)
    if target.is_file():
        check_cache_file(target)
        return target
    if not int8_available():
        raise ModelError("int8 detection needs the onnx package (pip install onnx)")
    import onnx
    import onnxruntime as ort
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class _Frames(CalibrationDataReader):
        def __init__(self) -> None:
            self._blobs = (to_blob(frame) for frame in calibration_frames())

        def get_next(self) -> dict[str, np.ndarray] | None:
            blob = next(self._blobs, None)
            return None if blob is None else {input_name: blob}

    ort.set_default_logger_severity(3)  # the exporter's unused initializers, listed one by one
    notice.info(
        "preparing the int8 face detector (first run only: 15-40 s on 2 free cores); cached in %s",
        cache_dir,
    )
    started = time.monotonic()
    # The quantiser logs each tensor it leaves in float (RetinaFace's shape arithmetic) as a
    # root-logger warning: noise for an operator, so quiet while it runs.
    logging.disable(logging.WARNING)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryDirectory(prefix="cctvkit-int8-") as tmp:
            upgraded, prepared = Path(tmp) / "opset.onnx", Path(tmp) / "prepared.onnx"
            onnx.save(version_converter.convert_version(onnx.load_from_string(model), _OPSET), upgraded)
            quant_pre_process(str(upgraded), str(prepared), skip_symbolic_shape=True)
            with atomic_path(target, mode=0o600) as partial:
                quantize_static(
                    str(prepared),
                    str(partial),
                    _Frames(),
                    quant_format=QuantFormat.QOperator,
                    per_channel=True,
                    activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8,
                )
    except Exception as exc:  # onnx and the quantiser raise many kinds; all mean "no int8 copy"
        raise ModelError(f"cannot make an int8 copy of the detector in {cache_dir}: {exc}") from exc
    finally:
        logging.disable(logging.NOTSET)
    notice.info("int8 face detector ready (%.0f s)", time.monotonic() - started)
    return target


def with_precision(
    model: bytes,
    precision: str,
    provider: str,
    sha256: str,
    input_name: str,
    to_blob: Callable[[np.ndarray], np.ndarray],
    *,
    cache_dir: Path | None = None,
) -> tuple[bytes, str]:
    """``model`` in the asked ``precision`` and the precision it ends in: ``int8`` (the cached copy,
    :func:`int8_model`), ``fp32``, or ``auto`` (int8 on the CPU provider when ``onnx`` is
    installed; fp32, with a warning, if the copy cannot be made).

    Raises:
        ModelError: ``int8`` asked for and the copy cannot be made.
    """
    if precision == "int8" or (precision == "auto" and provider == _CPU and int8_available()):
        try:
            return int8_model(model, sha256, input_name, to_blob, cache_dir=cache_dir).read_bytes(), "int8"
        except ModelError as exc:
            if precision == "int8":
                raise
            log.warning("%s; running the fp32 weights", exc)
    return model, "fp32"
