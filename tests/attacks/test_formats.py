"""YAML and signature formats: statements whose signature is good but whose bytes are not a
plain statement, and signatures that are not a detached signature over exactly the statement.

alice and bob approve tinyhttp 1.0; the policy needs both. Each attack changes bob's files.
`check` must not count bob (exit 1, the statement named, the reason given) and `registry
validate` must refuse the change naming the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from signoff.registry.sign import Vouched
from tests.attacks.kit import armor, gpg, statements, validate
from tests.builder import RegistryBuilder


@dataclass
class Scene:
    """Two approvals in place; bob's are the files an attack rewrites."""

    builder: RegistryBuilder
    wheel: Path
    bob: Vouched
    base: str

    @property
    def statement(self) -> bytes:
        return self.builder.registry.read_file(self.bob.path) or b""

    def sign(self, data: bytes, who: str = "bob") -> bytes:
        return self.builder.user.sign_detached(data, self.builder.key(who))


@pytest.fixture
def scene(builder: RegistryBuilder) -> Scene:
    wheel = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", wheel)
    builder.key("bob")
    base = str(builder.registry.head_commit().id)
    bob = builder.approve("bob", wheel)
    builder.policy(roots=["alice", "bob"], signers=2)
    return Scene(builder, wheel, bob, base)


# -- statements re-signed by bob: the signature is good, the YAML is not plain ---------------

def _edit(replace: Callable[[bytes], bytes]) -> Callable[[Scene], dict[str, bytes | None]]:
    def attack(s: Scene) -> dict[str, bytes | None]:
        data = replace(s.statement)
        return {s.bob.path: data, s.bob.path + ".asc": s.sign(data)}
    return attack


def _sub(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def replace(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new, 1)
    return replace


STATEMENTS: dict[str, tuple[Callable[[Scene], dict[str, bytes | None]], str]] = {
    # A reader that keeps the last duplicate sees "approved"; one that keeps the first,
    # "rejected": two readers, two verdicts.
    "duplicate verdict, rejected first": (
        _edit(_sub(b"verdict: approved", b"verdict: rejected\nverdict: approved")), "duplicate"),
    "duplicate subject.sha256": (
        _edit(_sub(b"  size:", b"  sha256: " + b"0" * 64 + b"\n  size:")), "duplicate"),
    "anchor and alias for the criteria": (
        _edit(_sub(b"criteria:", b"x-base: &c [safe-to-deploy]\ncriteria: *c\nx-old:")),
        "anchor"),
    "merge key pulling fields from an anchor": (
        _edit(lambda d: b"x: &m {verdict: approved}\n<<: *m\n" + d), "anchor"),
    "python object tag": (
        _edit(lambda d: d + b"comment: !!python/object/apply:os.system ['true']\n"), "tag"),
    "explicit str tag on the verdict": (
        _edit(_sub(b"verdict: approved", b"verdict: !!str approved")), "tag"),
    "a second YAML document": (
        _edit(lambda d: d + b"---\nverdict: rejected\n"), "document"),
    "a BOM inside the signed bytes": (_edit(lambda d: b"\xef\xbb\xbf" + d), "BOM"),
    "Latin-1 bytes in the comment": (
        _edit(lambda d: d + b"comment: caf\xe9\n"), "UTF-8"),
    "a NUL byte": (_edit(lambda d: d + b"comment: a\x00b\n"), "NUL"),
    "a Cyrillic a in the verdict": (
        _edit(_sub(b"verdict: approved", "verdict: \u0430pproved".encode())), "verdict"),
    "a statement over the size cap": (
        _edit(lambda d: d + b"comment: |\n" + b"  " + b"x" * 70_000 + b"\n"), "cap"),
}


@pytest.mark.parametrize("case", sorted(STATEMENTS))
def test_a_hostile_statement_with_a_good_signature_does_not_count(scene: Scene,
                                                                  case: str) -> None:
    """Attack: bob's statement is rewritten (and re-signed by bob, or by a thief of his key)
    into YAML that one parser reads differently from another: duplicate keys, anchors, tags,
    several documents, odd encodings, look-alike words. Gain: a verdict or subject that a
    reviewer or another tool reads otherwise than check does."""
    attack, why = STATEMENTS[case]
    _judged_and_refused(scene, attack(scene), why)


# -- signatures that are not a detached signature over exactly these bytes -------------------

def _other_bytes(s: Scene) -> dict[str, bytes | None]:
    return {s.bob.path + ".asc": s.sign(s.statement + b"\n")}


def _other_statement(s: Scene) -> dict[str, bytes | None]:
    other = s.builder.approve("bob", s.builder.wheel("tinyhttp", "1.1"))
    return {s.bob.path + ".asc": s.builder.registry.read_file(other.path + ".asc") or b""}


def _by_mallory(s: Scene) -> dict[str, bytes | None]:
    s.builder.key("mallory")
    return {s.bob.path + ".asc": s.sign(s.statement, "mallory")}


def _with_a_key_block(s: Scene) -> dict[str, bytes | None]:
    mallory = s.builder.key("mallory", publish=False)
    return {s.bob.path + ".asc": s.sign(s.statement, "mallory")
            + s.builder.user.export_public_key(mallory)}


def _as_message(s: Scene) -> dict[str, bytes | None]:
    sig = s.builder.registry.read_file(s.bob.path + ".asc") or b""
    return {s.bob.path + ".asc": sig.replace(b"PGP SIGNATURE", b"PGP MESSAGE")}


def _signed_message(s: Scene) -> dict[str, bytes | None]:
    inline = gpg(s.builder.home, "--default-key", s.builder.key("bob"), "--sign",
                 data=s.statement)
    return {s.bob.path + ".asc": armor(inline, "SIGNATURE")}


def _bad_crc(s: Scene) -> dict[str, bytes | None]:
    sig = (s.builder.registry.read_file(s.bob.path + ".asc") or b"").decode()
    lines = sig.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("="))
    lines[at] = "=AAAA" if lines[at] != "=AAAA" else "=BBBB"
    return {s.bob.path + ".asc": ("\n".join(lines) + "\n").encode()}


SIGNATURES: dict[str, tuple[Callable[[Scene], dict[str, bytes | None]], str]] = {
    "signature over the statement plus a newline": (_other_bytes, "signature"),
    "bob's signature of another statement": (_other_statement, "signature"),
    "a good signature by another key": (_by_mallory, "signed by"),
    "a signature followed by a public key block for it": (_with_a_key_block,
                                                          "exactly one armored signature"),
    "a detached signature labelled PGP MESSAGE": (_as_message, "armored OpenPGP signature"),
    "a signed message (not detached) armored as a signature": (_signed_message, "signature"),
}


@pytest.mark.parametrize("case", sorted(SIGNATURES))
def test_a_signature_that_is_not_over_exactly_the_statement_does_not_count(
        scene: Scene, case: str) -> None:
    """Attack: bob's signature file holds something that verifies, but not as bob's detached
    signature over exactly these bytes: other bytes, another statement, another key, a key
    block riding along for gpg to import, another armor label, a signed message. Gain: a
    statement bob never signed counts as his."""
    attack, why = SIGNATURES[case]
    _judged_and_refused(scene, attack(scene), why)


def test_a_signature_whose_armor_checksum_is_wrong_is_not_trusted_blindly(
        scene: Scene) -> None:
    """Attack: the armor's CRC line is altered, to test whether a reader that trusts the
    checksum (or gpg's warning) decides differently. Gain: none if the signature still
    verifies over the same bytes; this documents that the verdict rests on the signature,
    so either outcome must be consistent between check and validate."""
    files = _bad_crc(scene)
    scene.builder.commit_raw(files)
    code, judged = statements(scene.builder, scene.wheel)
    bob = judged[scene.builder.key("bob")]
    out = validate(scene.builder, scene.base)
    assert (code == 0) == bob["counted"] == (out.returncode == 0), (bob, out.stdout)


def _judged_and_refused(scene: Scene, files: dict[str, bytes | None], why: str) -> None:
    b = scene.builder
    b.commit_raw(files)
    code, judged = statements(b, scene.wheel)
    bob = judged.get(b.key("bob"))
    assert code == 1
    if bob is not None:  # a statement that does not parse has no signer to file it under
        assert not bob["counted"], bob
    out = validate(b, scene.base)
    assert out.returncode == 1, out.stdout + out.stderr
    named = [line for line in out.stdout.splitlines() if scene.bob.path in line]
    assert named, out.stdout
    assert any(why.lower() in line.lower() for line in named), (why, out.stdout)
