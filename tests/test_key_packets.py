"""The strict key-file reader on hostile bytes: any input gives a key or signoff's own
InputError naming the file, never another exception."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.attest.errors import InputError
from signoff.attest.key_packets import crc24, read_key_file, signature_packets


def _armor(data: bytes) -> bytes:
    checksum = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    return (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + base64.b64encode(data)
            + f"\n={checksum}\n-----END PGP PUBLIC KEY BLOCK-----\n".encode())


def _read(blob: bytes) -> None:
    try:
        key = read_key_file(blob, "keys/X.asc")
    except InputError as e:
        assert "keys/X.asc" in e.diagnostics()
    else:
        assert len(key.fingerprint) == 40


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_random_packets_inside_valid_armor(data: bytes) -> None:
    _read(_armor(data))


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 63), st.binary(max_size=80)), max_size=6))
def test_random_new_format_packet_sequences(packets: list[tuple[int, bytes]]) -> None:
    data = b"".join(bytes([0xC0 | tag, len(body)]) + body for tag, body in packets)
    _read(_armor(b"\x99\x00\x07\x04\x00\x00\x00\x00\x16\x00" + data))


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_random_bytes_as_a_key_file_or_signature(blob: bytes) -> None:
    _read(blob)
    assert signature_packets(blob) is None or signature_packets(blob) == 0
