"""Many documents in one run: a list of jobs (from a YAML or JSON file), each a kind and its parameters.

    - {kind: news, day: 1}
    - {kind: poem, form: haiku, topic: harbour}
    - {kind: quest, giver: mara}

Every job is validated before the first runs, so a typo in job 9 does not cost the eight before it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from llmverse.content.documents import Document
from llmverse.content.errors import ContentError
from llmverse.content.registry import generate, get_generator
from llmverse.content.store import ContentStore
from llmverse.llm.gateway import Gateway
from llmverse.world.world import World


class Job(BaseModel):
    model_config = ConfigDict(extra="allow")  # the rest are the generator's parameters
    kind: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def load_jobs(path: str | Path) -> list[Job]:
    path = Path(path)
    try:
        raw = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ContentError(f"cannot read jobs from {path}: {exc}") from exc
    if not isinstance(raw, list):
        raise ContentError(f"{path}: expected a list of jobs like '- {{kind: poem, form: haiku}}'")
    jobs = []
    for i, item in enumerate(raw, 1):
        try:
            job = Job.model_validate(item)
        except ValidationError as exc:
            raise ContentError(f"{path}: job {i}: {exc.errors()[0]['msg']}") from exc
        gen = get_generator(job.kind)
        try:
            gen.params.model_validate(job.params)
        except ValidationError as exc:
            raise ContentError(f"{path}: job {i} ({job.kind}): {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
        jobs.append(job)
    return jobs


def run_batch(world: World, gateway: Gateway, jobs: list[Job], *, save: bool = True,
              progress: Callable[[int, Document], None] | None = None) -> list[Document]:
    """Run the jobs in order (saving each as it is done); `progress(i, doc)` after each."""
    store = ContentStore(world) if save else None
    docs = []
    for i, job in enumerate(jobs, 1):
        doc = generate(job.kind, world, gateway, **job.params)
        if store is not None:
            store.save(doc)
        docs.append(doc)
        if progress is not None:
            progress(i, doc)
    return docs
