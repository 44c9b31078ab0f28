"""Corrupt git objects in a registry: every command fails closed, at once, with exit 2, naming
the object and the registry. libgit2 1.9 spins forever on a truncated loose object, so each
test runs the real command line under a timeout."""

from __future__ import annotations

import os
import subprocess
import zlib
from pathlib import Path

from signoff.registry.layout import key_path
from tests.builder import RegistryBuilder
from tests.harness.cli import run_installed

TIMEOUT = 60


def _approved(builder: RegistryBuilder) -> tuple[Path, Path, str]:
    """alice approves a wheel; (wheel, policy, statement path)."""
    f = builder.wheel("tinyhttp", "1.0")
    done = builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    return f, policy, done.path


def _loose(builder: RegistryBuilder, oid: str) -> Path:
    path = Path(builder.registry.repo.path) / "objects" / oid[:2] / oid[2:]
    assert path.is_file(), "the object should be loose"
    os.chmod(path, 0o644)
    return path


def _oid(builder: RegistryBuilder, path: str) -> str:
    return str(builder.registry.head_commit().tree[path].id)


def _check(f: Path, policy: Path) -> subprocess.CompletedProcess[str]:
    return run_installed("check", str(f), "--policy", str(policy), timeout=TIMEOUT)


def _fails_closed(out: subprocess.CompletedProcess[str], builder: RegistryBuilder,
                  oid: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    assert oid in out.stderr and str(builder.registry.path) in out.stderr, out.stderr


def _truncate(path: Path, keep: int | None = None) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 if keep is None else keep])


def _pack(builder: RegistryBuilder) -> Path:
    """Pack every object of the registry (as a clone would have it); the pack file."""
    subprocess.run(["git", "-C", str(builder.registry.path), "gc", "-q", "--aggressive",
                    "--prune=now"], check=True)
    packs = list((Path(builder.registry.repo.path) / "objects" / "pack").glob("*.pack"))
    assert len(packs) == 1
    os.chmod(packs[0], 0o644)
    return packs[0]


def test_a_truncated_loose_statement_does_not_hang_check(builder: RegistryBuilder) -> None:
    """Attack: truncate the loose object of an attestation in the registry. Gain: `check`
    never returns, and every deployment that runs it hangs."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement)
    _truncate(_loose(builder, oid))
    out = _check(f, policy)
    _fails_closed(out, builder, oid)
    assert "truncated" in out.stderr


def test_a_loose_object_cut_inside_its_header(builder: RegistryBuilder) -> None:
    """Attack: cut a loose object to a few bytes, inside the zlib header. Gain: a hang or a
    crash instead of a verdict."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement + ".asc")
    _truncate(_loose(builder, oid), keep=3)
    _fails_closed(_check(f, policy), builder, oid)


def test_a_truncated_tree_does_not_hang_check(builder: RegistryBuilder) -> None:
    """Attack: truncate the tree object of a release folder. Gain: a hang, or the folder read
    as empty, hiding a rejection."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement.rsplit("/", 2)[0])
    _truncate(_loose(builder, oid))
    _fails_closed(_check(f, policy), builder, oid)


def test_a_truncated_head_commit_fails_every_command(builder: RegistryBuilder) -> None:
    """Attack: truncate the registry's head commit. Gain: every command that opens the
    registry hangs: check, versions, validate."""
    f, policy, _ = _approved(builder)
    oid = str(builder.registry.head_commit().id)
    _truncate(_loose(builder, oid))
    _fails_closed(_check(f, policy), builder, oid)
    versions = run_installed("versions", "tinyhttp", "--policy", str(policy), timeout=TIMEOUT)
    _fails_closed(versions, builder, oid)
    validate = run_installed("registry", "validate", "--registry", str(builder.registry.path),
                       "--base", "HEAD", "--head", "HEAD", timeout=TIMEOUT)
    _fails_closed(validate, builder, oid)


def test_a_truncated_key_file_does_not_hang_check(builder: RegistryBuilder) -> None:
    """Attack: truncate the loose object of a key file. Gain: a hang while reading keys/."""
    f, policy, _ = _approved(builder)
    oid = _oid(builder, key_path(builder.key("alice")))
    _truncate(_loose(builder, oid))
    _fails_closed(_check(f, policy), builder, oid)


def test_garbage_in_a_loose_object(builder: RegistryBuilder) -> None:
    """Attack: overwrite a loose object with bytes that are not zlib. Gain: a crash with a
    traceback, or the statement silently skipped."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement)
    path = _loose(builder, oid)
    path.write_bytes(b"\x00" * len(path.read_bytes()))
    out = _check(f, policy)
    _fails_closed(out, builder, oid)
    assert "damaged" in out.stderr


def test_a_loose_object_swapped_for_another(builder: RegistryBuilder) -> None:
    """Attack: replace a statement's loose object with another sound object (a valid zlib
    stream with other content). Gain: other bytes read under the statement's id."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement)
    other = _oid(builder, statement + ".asc")
    _loose(builder, oid).write_bytes(_loose(builder, other).read_bytes())
    _fails_closed(_check(f, policy), builder, oid)


def test_a_tree_entry_pointing_at_a_missing_blob(builder: RegistryBuilder) -> None:
    """Attack: delete the object of a statement's signature, which a tree still names. Gain:
    the statement read as unsigned or absent: a rejection silently dropped."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement + ".asc")
    _loose(builder, oid).unlink()
    _fails_closed(_check(f, policy), builder, oid)


def test_a_tree_entry_pointing_at_a_missing_subtree(builder: RegistryBuilder) -> None:
    """Attack: delete the tree object of a file's folder. Gain: the path reads as absent, so
    every statement in it (a rejection among them) is silently ignored."""
    f, policy, statement = _approved(builder)
    builder.reject("bob", f)
    builder.policy(roots=["alice", "bob"], signers=1)
    oid = _oid(builder, statement.rsplit("/", 1)[0])
    _loose(builder, oid).unlink()
    out = _check(f, policy)
    _fails_closed(out, builder, oid)


def test_a_damaged_pack_fails_at_once(builder: RegistryBuilder) -> None:
    """Attack: flip bytes in the middle of a registry's pack, where deltas and compressed
    objects live. Gain: a hang, a crash, or objects read wrongly."""
    f, policy, _ = _approved(builder)
    pack = _pack(builder)
    data = bytearray(pack.read_bytes())
    for i in range(len(data) // 3, len(data) - 40):
        data[i] ^= 0x5A
    pack.write_bytes(bytes(data))
    out = _check(f, policy)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and str(builder.registry.path) in out.stderr


def test_a_truncated_pack_fails_at_once(builder: RegistryBuilder) -> None:
    """Attack: truncate the registry's pack. Gain: a hang, or the missing objects read as
    absent paths."""
    f, policy, _ = _approved(builder)
    pack = _pack(builder)
    _truncate(pack)
    out = _check(f, policy)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and str(builder.registry.path) in out.stderr


def _deltas(pack: Path) -> list[tuple[int, int]]:
    """(offset, size in pack) of every delta object in a pack, from `git verify-pack -v`."""
    listing = subprocess.run(["git", "verify-pack", "-v", str(pack.with_suffix(".idx"))],
                             capture_output=True, text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        fields = line.split()
        # sha type size size-in-pack offset depth base: seven fields for a delta
        if len(fields) == 7 and len(fields[0]) == 40:
            found.append((int(fields[4]), int(fields[3])))
    return found


def _compressed_start(data: bytes | bytearray, offset: int) -> int:
    """Where the zlib stream of the pack entry at `offset` starts."""
    kind = (data[offset] >> 4) & 7
    at = offset
    while data[at] & 0x80:  # the type-and-size header
        at += 1
    at += 1
    if kind == 6:  # OFS_DELTA: a base offset follows
        while data[at] & 0x80:
            at += 1
        return at + 1
    return at + 20  # REF_DELTA: the base's id follows


def test_a_pack_with_bad_deltas(builder: RegistryBuilder) -> None:
    """Attack: rewrite every delta in the registry's pack as a sound zlib stream holding a
    delta that copies from far outside its base. Gain: a crash, a hang, or objects built from
    whatever memory the copy reaches."""
    f, policy, _ = _approved(builder)
    builder.approve("alice", f)  # a second version of the statement, and trees: deltas
    builder.approve("bob", f)
    pack = _pack(builder)
    data = bytearray(pack.read_bytes())
    deltas = _deltas(pack)
    assert deltas, "the pack should hold deltas"
    bogus = zlib.compress(bytes([0x10, 0x10, 0x91, 0xF0, 0x7F]))  # copy 127 bytes at 240
    for offset, size in deltas:
        start = _compressed_start(data, offset)
        room = offset + size - start
        if room >= len(bogus):
            data[start:start + len(bogus)] = bogus
    pack.write_bytes(bytes(data))
    out = _check(f, policy)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and str(builder.registry.path) in out.stderr


def test_a_truncated_object_read_through_a_linked_worktree(builder: RegistryBuilder) -> None:
    """Attack: the policy names a linked worktree of the registry (`git worktree add`), whose
    objects live in the main repository's folder; truncate one there. Gain: a hang, since the
    worktree's own git folder holds no objects to check."""
    f, policy, statement = _approved(builder)
    oid = _oid(builder, statement)
    worktree = builder.tmp / "linked"
    subprocess.run(["git", "-C", str(builder.registry.path), "worktree", "add", "-q",
                    str(worktree)], check=True, capture_output=True)
    policy.write_text(policy.read_text().replace("path: registry", f"path: {worktree}"))
    _truncate(_loose(builder, oid))
    out = _check(f, policy)
    assert out.returncode == 2, out.stdout + out.stderr
    assert oid in out.stderr and str(worktree) in out.stderr and "Traceback" not in out.stderr
