"""Where the fetched public repositories are on this machine, and how one of their files is read.

The search tool's `fetch` puts a bare git directory at `root/owner+name/repo`; a plain clone at
`root/owner/name` works too. Nothing is downloaded here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from llmverse.errors import LlmverseError

DATA_ENV = "LLMVERSE_SAFETY_DATA"


class CorpusMissing(LlmverseError):
    """A public corpus is not on this machine."""


def data_root() -> Path:
    return Path(os.environ.get(DATA_ENV) or "/work/.mirror")


def _bare(root: Path, repo: str) -> Path:
    return root / repo.replace("/", "+") / "repo"


def read_file(root: Path, repo: str, path: str) -> bytes:
    """The bytes of `path` in `repo` (HEAD of the bare copy, else the plain clone's file)."""
    bare = _bare(root, repo)
    if bare.is_dir():
        try:
            return subprocess.run(["git", "--git-dir", str(bare), "show", f"HEAD:{path}"], check=True,
                                  capture_output=True).stdout
        except subprocess.CalledProcessError as exc:
            raise CorpusMissing(f"{repo}: no {path} in {bare}") from exc
    plain = root / repo / path
    if plain.is_file():
        return plain.read_bytes()
    raise CorpusMissing(f"{repo} is not under {root}: fetch it (docs/safety.md) or set ${DATA_ENV}")


def list_files(root: Path, repo: str, folder: str) -> list[str]:
    """Paths (relative to the repository) of the files under `folder`: at HEAD of the bare copy, else in the
    plain clone. Neither there raises `CorpusMissing`, as `read_file` does: an empty listing read as an empty
    corpus would train or evaluate without it, silently."""
    bare = _bare(root, repo)
    if bare.is_dir():
        return subprocess.run(["git", "--git-dir", str(bare), "ls-tree", "-r", "--name-only", "HEAD", folder],
                              capture_output=True, text=True).stdout.split()
    plain = root / repo
    if (plain / folder).is_dir():
        return sorted(p.relative_to(plain).as_posix() for p in (plain / folder).rglob("*") if p.is_file())
    raise CorpusMissing(f"{repo} is not under {root}: fetch it (docs/safety.md) or set ${DATA_ENV}")
