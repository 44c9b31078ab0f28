"""Pull requests that change a key file: it may only gain material. Every packet the base had
stays byte for byte where it was, and every signature packet added verifies."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from signoff.attest.gpg_keys import Packet, packets
from signoff.registry.layout import key_path
from tests.attacks.kit import armor, gpg, refused, validate
from tests.builder import RegistryBuilder


@dataclass
class Revoked:
    """bob certified alice's user ID and then revoked that certification; both are in keys/."""

    builder: RegistryBuilder
    base: str
    path: str
    packets: list[Packet]

    def commit(self, found: list[Packet]) -> None:
        self.builder.commit_raw({self.path: armor(b"".join(p.raw for p in found))})


@pytest.fixture
def revoked(builder: RegistryBuilder) -> Revoked:
    alice, bob = builder.key("alice"), builder.key("bob")
    builder.certify("bob", "alice")
    gpg(builder.home, "--default-key", bob, "--quick-revoke-sig", alice, bob)
    builder.publish("alice")
    path = key_path(alice)
    data = builder.registry.read_file(path)
    assert data is not None
    found = packets(data)
    assert any(p.tag == 2 and p.body[1] == 0x30 for p in found)
    return Revoked(builder, str(builder.registry.head_commit().id), path, found)


def _flip(packet: Packet) -> Packet:
    raw = bytearray(packet.raw)
    raw[-3] ^= 0x01  # inside the signature's last MPI: issuer, time and class are unchanged
    return Packet(packet.tag, bytes(raw), packet.offset, packet.header)


def _is_revocation(packet: Packet) -> bool:
    return packet.tag == 2 and packet.body[1] == 0x30


def test_a_byte_flipped_certification_revocation_is_refused(revoked: Revoked) -> None:
    """Attack: flip one byte inside bob's revocation of his certification of alice. gpg no
    longer verifies it and drops it silently. Gain: the revoked certification counts again,
    and alice is valid through bob."""
    revoked.commit([_flip(p) if _is_revocation(p) else p for p in revoked.packets])
    out = validate(revoked.builder, revoked.base)
    refused(out, revoked.path, "loses material", "certification revocation by",
            revoked.builder.key("bob")[-16:], "byte for byte")


def test_removing_the_certification_revocation_is_refused(revoked: Revoked) -> None:
    """Attack: drop the revocation packet altogether. Gain: as with the flipped byte."""
    revoked.commit([p for p in revoked.packets if not _is_revocation(p)])
    refused(validate(revoked.builder, revoked.base), revoked.path, "loses material",
            "certification revocation")


def test_moving_the_revocation_to_another_user_id_is_refused(revoked: Revoked) -> None:
    """Attack: add a second user ID and move the revocation after it, where it revokes
    nothing. Gain: every packet is still there byte for byte, but the revocation no longer
    applies to the certification it revoked."""
    b = revoked.builder
    gpg(b.home, "--quick-add-uid", b.key("alice"), "alice two <a2@example.org>")
    exported = packets(gpg(b.home, "--export", b.key("alice")))
    new_uid = [p for p in exported if p.tag == 13 and b"alice two" in p.body]
    own = [p for p in exported if p.tag == 2 and p.offset > new_uid[0].offset][:1]
    moved = [p for p in revoked.packets if not _is_revocation(p)]
    moved += new_uid + own + [p for p in revoked.packets if _is_revocation(p)]
    revoked.commit(moved)
    refused(validate(b, revoked.base), revoked.path, "loses material",
            "certification revocation")


def test_adding_a_forged_copy_of_a_certification_is_refused(revoked: Revoked) -> None:
    """Attack: keep every packet and add a copy of bob's certification with one byte changed.
    Gain: a packet that claims to be bob's certification but is not; a key file must hold
    only what verifies, so that what gpg ignores never differs from what a reader sees."""
    cert = next(p for p in revoked.packets if p.tag == 2 and p.body[1] == 0x10
                and revoked.builder.key("bob")[-16:].encode() not in p.body
                and bytes.fromhex(revoked.builder.key("bob")[-16:]) in p.body)
    revoked.commit([*revoked.packets, _flip(cert)])
    refused(validate(revoked.builder, revoked.base), revoked.path, "does not verify",
            revoked.builder.key("bob")[-16:])


def test_adding_a_trust_packet_is_refused(revoked: Revoked) -> None:
    """Attack: add a GnuPG trust packet (tag 12), which an import may honour as local
    ownertrust. Gain: trust that no policy gave."""
    trust = Packet(12, bytes([0xB0, 0x02, 0x06, 0x00]), 0, 2)
    revoked.commit([*revoked.packets, trust])
    refused(validate(revoked.builder, revoked.base), revoked.path, "trust packet")


def test_a_new_genuine_certification_is_accepted(revoked: Revoked) -> None:
    """Not an attack: carol certifies alice; the file gains one verifying packet."""
    b = revoked.builder
    b.certify("carol", "alice")
    out = validate(b, revoked.base)
    assert out.returncode == 0, out.stdout + out.stderr


def test_grafting_a_foreign_signing_subkey_onto_a_key_is_refused(revoked: Revoked) -> None:
    """Attack: mallory appends her own signing subkey, with its binding signature, to bob's
    key file, then signs statements with it in bob's name. Gain: mallory's statements verify
    as bob's, if any reader accepts the subkey without its binding by bob's primary key."""
    b = revoked.builder
    mallory = b.key("mallory", publish=False)
    gpg(b.home, "--quick-add-key", mallory, "ed25519", "sign", "never")
    exported = packets(gpg(b.home, "--export", mallory))
    at = next(i for i, p in enumerate(exported) if p.tag == 14)
    bob_path = key_path(b.key("bob"))
    bob_packets = packets(b.registry.read_file(bob_path) or b"")
    b.commit_raw({bob_path: armor(b"".join(p.raw for p in [*bob_packets, *exported[at:]]))})
    refused(validate(b, revoked.base), bob_path, "does not verify")
