"""Codec for the ``google.rpc.Status`` trailer that carries per-peer details.

The gateway packs ``gateway.ErrorDetail`` messages into a ``google.rpc.Status``
sent as ``grpc-status-details-bin`` trailing metadata. The wire-compatible
message is declared here in a private descriptor pool, which saves a
dependency on googleapis-common-protos and cannot clash with it.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError
from fabric_protos.gateway import gateway_pb2

DETAILS_KEY = "grpc-status-details-bin"
_TYPE_URL = "type.googleapis.com/gateway.ErrorDetail"


def _build_status_class() -> Any:
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="ecoledger_private/rpc_status.proto",
        package="ecoledger_private",
        syntax="proto3",
    )
    any_msg = file_proto.message_type.add(name="Any")
    any_msg.field.add(name="type_url", number=1, type=9, label=1)
    any_msg.field.add(name="value", number=2, type=12, label=1)
    status = file_proto.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=5, label=1)
    status.field.add(name="message", number=2, type=9, label=1)
    status.field.add(
        name="details",
        number=3,
        type=11,
        label=3,
        type_name=".ecoledger_private.Any",
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("ecoledger_private.Status")
    )


_Status = _build_status_class()


def encode_status(
    code: int, message: str, details: Sequence[gateway_pb2.ErrorDetail] = ()
) -> bytes:
    """Serialized ``google.rpc.Status`` holding gateway error details."""
    status = _Status(code=code, message=message)
    for detail in details:
        status.details.add(type_url=_TYPE_URL, value=detail.SerializeToString())
    return status.SerializeToString()


def decode_error_details(status_bytes: bytes) -> list[gateway_pb2.ErrorDetail]:
    """The ``gateway.ErrorDetail`` entries of a serialized status; others are skipped."""
    try:
        status = _Status.FromString(status_bytes)
    except DecodeError:
        return []
    found = []
    for item in status.details:
        if item.type_url.rsplit("/", 1)[-1] == "gateway.ErrorDetail":
            try:
                found.append(gateway_pb2.ErrorDetail.FromString(item.value))
            except DecodeError:
                continue
    return found


def details_from_metadata(
    metadata: Iterable[tuple[str, Any]] | None,
) -> list[gateway_pb2.ErrorDetail]:
    """Error details from trailing metadata (any iterable of key/value pairs)."""
    for key, value in metadata or ():
        if key == DETAILS_KEY and isinstance(value, (bytes, bytearray)):
            return decode_error_details(bytes(value))
    return []
