"""GnuPG as the oracle: on real generated keyrings, signoff's engine and gpg's own trustdb must
give every key the same validity. Also: reading a real keyring validates each key file."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.attest.errors import InputError
from signoff.trust.wot.engine import compute_trust
from signoff.trust.wot.keys import Key, load_keyset
from tests.wot_keyring_gen import KeyPool, generate_keyring, gnupg_validity

DEFAULT_KEYRINGS = 6
"""Keyrings compared in every run; each takes a few seconds of gpg."""
LONG_KEYRINGS = 214
"""Further keyrings under SIGNOFF_LONG=1 (together 220, the old default's seeds among them)."""
BASE_SEED = int(os.environ.get("SIGNOFF_ORACLE_SEED", "1000"))


@pytest.fixture(scope="module")
def pool() -> Iterator[KeyPool]:
    """Forty real ed25519 keys, made once for every keyring of this module."""
    made = KeyPool.make(40)
    try:
        yield made
    finally:
        made.close()


def _compare(pool: KeyPool, seed: int) -> None:
    keyring = generate_keyring(pool, seed)
    gnupg = gnupg_validity(keyring)
    keyset = load_keyset(keyring.files)
    result = compute_trust(keyset, keyring.settings, int(time.time()))
    names = {f: pool.uids[f][0] for f in pool.fprs}
    mismatches = [f"{names.get(f, f)} {f}: gpg {gnupg.keys.get(f)}, signoff "
                  f"{result.validity(f).gpg_letter} ({'; '.join(result.explain(f))})"
                  for f in keyset.keys if gnupg.keys.get(f) != result.validity(f).gpg_letter]
    for f, key in keyset.keys.items():
        if key.revoked or key.expired(result.now):
            continue  # gpg's uid letters for dead keys follow listing rules, not the trustdb
        ours = [(uid, v.gpg_letter) for uid, v in result.uid_validities(f)]
        if sorted(ours) != sorted(gnupg.uids.get(f, [])):
            mismatches.append(f"{names.get(f, f)} {f} user IDs: gpg {gnupg.uids.get(f)}, "
                              f"signoff {ours}")
    assert set(gnupg.keys) == set(keyset.keys), f"seed {seed}: gpg listed other keys"
    assert not mismatches, (f"seed {seed} (rerun with SIGNOFF_ORACLE_SEED={seed}): "
                            + "\n".join([*mismatches, "actions:", *keyring.log]))


@pytest.mark.parametrize("offset", range(DEFAULT_KEYRINGS))
def test_engine_agrees_with_gnupg_trustdb(pool: KeyPool, offset: int) -> None:
    """Every key's validity (and every user ID's, for live keys) matches gpg --check-trustdb."""
    _compare(pool, BASE_SEED + offset)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("SIGNOFF_LONG") != "1", reason="long run: SIGNOFF_LONG=1")
def test_engine_agrees_with_gnupg_trustdb_long_run(pool: KeyPool) -> None:
    """The same comparison on many more keyrings."""
    for offset in range(DEFAULT_KEYRINGS, DEFAULT_KEYRINGS + LONG_KEYRINGS):
        _compare(pool, BASE_SEED + offset)


@pytest.fixture(scope="module")
def small_keyring(pool: KeyPool) -> list[tuple[str, bytes]]:
    """The key files of one generated keyring."""
    return generate_keyring(pool, 7).files


def test_reading_a_real_keyring_gives_keys_uids_and_checked_certifications(
        small_keyring: list[tuple[str, bytes]], tmp_path: Path) -> None:
    """Every file becomes a Key with its user IDs; some certification is verified by gpg."""
    keyset = load_keyset(small_keyring, tmp_path, "tree1")
    assert set(keyset.keys) == {name[5:45] for name, _ in small_keyring}
    key: Key = next(iter(keyset))
    assert key.uids and key.uids[0].uid.startswith("k")
    assert any(c.verified for k in keyset for u in k.uids for c in u.certifications)
    assert (tmp_path / "keys-tree1.json").is_file()


def test_cached_keyring_is_not_read_again_and_a_corrupt_cache_is_rebuilt(
        small_keyring: list[tuple[str, bytes]], tmp_path: Path) -> None:
    """Same cache key: the files are not even looked at; a corrupt cache is ignored."""
    first = load_keyset(small_keyring, tmp_path, "t")
    # Garbage files under the same cache key prove the cache answered without gpg.
    assert load_keyset([("keys/x.asc", b"garbage")], tmp_path, "t") == first
    (tmp_path / "keys-t.json").write_text("{not json")
    assert load_keyset(small_keyring, tmp_path, "t") == first
    with pytest.raises(InputError):
        (tmp_path / "keys-t.json").write_text("[]")
        load_keyset([("keys/x.asc", b"garbage")], tmp_path, "t")


def test_key_file_whose_name_is_another_fingerprint_is_refused(
        small_keyring: list[tuple[str, bytes]]) -> None:
    """keys/<FPR>.asc must hold the key FPR names."""
    (name_a, blob_a), (name_b, _) = small_keyring[0], small_keyring[1]
    with pytest.raises(InputError) as e:
        load_keyset([(name_b, blob_a)])
    assert e.value.file == name_b
    assert name_a[5:45] in e.value.message


def test_key_file_with_two_primary_keys_is_refused(
        small_keyring: list[tuple[str, bytes]]) -> None:
    """One key per file: a file holding two primary keys names the file."""
    (name_a, blob_a), (_, blob_b) = small_keyring[0], small_keyring[1]
    with pytest.raises(InputError) as e:
        load_keyset([(name_a, blob_a + b"\n" + blob_b)])
    assert e.value.file == name_a
    assert "more than one armor block" in e.value.message


def test_key_file_without_a_key_is_refused() -> None:
    """An empty or non-OpenPGP file is an error naming it."""
    name = "keys/" + "A" * 40 + ".asc"
    with pytest.raises(InputError) as e:
        load_keyset([(name, b"")])
    assert e.value.file == name
    with pytest.raises(InputError):
        load_keyset([(name, b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n"
                            b"-----END PGP PUBLIC KEY BLOCK-----\n")])
