"""RegistryBuilder: a real registry and real GnuPG keys in a temporary folder, so that each test
reads as one scenario ("alice and bob approve, carol rejects, check fails")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pygit2

from signoff.attest.gpg import UserGnuPG, certify_key, generate_key, new_home
from signoff.attest.model import Verdict
from signoff.registry.gittree import tree_with
from signoff.registry.repo import Registry
from signoff.registry.sign import Vouched, subject_for_file, vouch
from signoff.trust.decide.checker import CheckReport, CheckSession
from signoff.trust.demo.sample_dists import build_sdist, build_wheel
from signoff.trust.inputs.gather import gather_inputs
from signoff.trust.policy.policy import load_policy
from tests.harness.gnupg import remove_home

REPO_ROOT = Path(__file__).resolve().parent.parent


class RegistryBuilder:
    """A registry, a GnuPG home with named keys, a dist folder, and a policy."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.home = new_home()
        self.user = UserGnuPG(self.home)
        self.registry = Registry.init(tmp / "registry", "test registry")
        self.dist = tmp / "dist"
        self.dist.mkdir()
        self.fprs: dict[str, str] = {}

    # -- keys ------------------------------------------------------------------------------

    def key(self, name: str, publish: bool = True) -> str:
        """Fingerprint of `name`'s key, made on first use; committed to keys/ when `publish`."""
        if name not in self.fprs:
            self.fprs[name] = generate_key(self.home, f"{name} <{name}@example.org>")
            if publish:
                self.publish(name)
        return self.fprs[name]

    def publish(self, name: str) -> None:
        """Commit `name`'s public key, with every certification it has now."""
        fpr = self.fprs[name]
        self.registry.add_key(fpr, self.user.export_public_key(fpr))

    def certify(self, signer: str, target: str) -> None:
        """`signer` certifies `target`'s user ID; the target's key file is updated."""
        certify_key(self.home, self.key(signer), self.key(target))
        self.publish(target)

    # -- files and attestations --------------------------------------------------------------

    def wheel(self, project: str, version: str) -> Path:
        """A small real wheel in the dist folder."""
        return build_wheel(self.dist, project, version).path

    def sdist(self, project: str, version: str) -> Path:
        """A small real sdist in the dist folder."""
        return build_sdist(self.dist, project, version).path

    def approve(self, who: str, file: Path, criteria: Sequence[str] = ("safe-to-deploy",),
                now: datetime | None = None) -> Vouched:
        """`who` signs and commits an approval of `file`."""
        return vouch(self.registry, self.user, subject_for_file(file), verdict=Verdict.APPROVED,
                     criteria=tuple(criteria), key=self.key(who), now=now,
                     allow_unknown_criteria=True)  # scenarios name the policy's own criteria

    def reject(self, who: str, file: Path, criteria: Sequence[str] = ("safe-to-deploy",)
               ) -> Vouched:
        """`who` signs and commits a rejection of `file`."""
        return vouch(self.registry, self.user, subject_for_file(file), verdict=Verdict.REJECTED,
                     criteria=tuple(criteria), key=self.key(who), allow_unknown_criteria=True)

    def commit_raw(self, files: dict[str, bytes | None], message: str = "raw change") -> None:
        """Commit arbitrary bytes at arbitrary paths (None deletes): for hostile scenarios."""
        repo = self.registry.repo
        parent = self.registry.head_commit()
        changes = {p: (repo.create_blob(d) if d is not None else None) for p, d in files.items()}
        tree = tree_with(repo, parent.tree, changes)
        who = pygit2.Signature("test", "test@example.org")
        repo.create_commit("HEAD", who, who, message, tree, [parent.id])

    # -- policy and check --------------------------------------------------------------------

    def policy(self, roots: Sequence[str], signers: int = 2, criteria: str = "safe-to-deploy",
               extra: str = "", trust_extra: str = "", require_extra: str = "") -> Path:
        """Write a policy naming this registry; roots by name."""
        root_fprs = ", ".join(self.key(r) for r in roots)
        text = (f"signoff: policy/v1\nregistries:\n  - path: registry\n"
                f"trust:\n  roots: [{root_fprs}]\n{trust_extra}"
                f"require:\n  criteria: {criteria}\n  signers: {signers}\n{require_extra}{extra}")
        path = self.tmp / "signoff-policy.yaml"
        path.write_text(text)
        return path

    def check(self, *inputs: Path, policy: Path | None = None, now: int | None = None
              ) -> CheckReport:
        """Run the check core over release files, folders or requirements files."""
        loaded = load_policy(policy or self.tmp / "signoff-policy.yaml")
        files, problems = gather_inputs(list(inputs), [])
        with CheckSession.open(loaded, now=now, state_dir=self.tmp / "state") as session:
            return session.check(files, problems)

    def close(self) -> None:
        """Stop the gpg agent and remove the GnuPG home with its secret keys."""
        remove_home(self.home)
