"""`llmverse eval grounding --held-out`: the held-out part first, the tuning part beside it."""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from llmverse.cli.common import console


def run_held_out(model: str | None, threads: int | None, *, parts: tuple[str, ...] = ("held_out", "tuning"),
                 embedder_name: str = "auto", show: int = 0, limit: int | None = None,
                 out: Path | None = None) -> None:
    from llmverse.config import open_gateway, settings
    from llmverse.evals import heldout as ev
    from llmverse.llm.embed import open_embedder
    from llmverse.world.world import DEFAULT_WORLD, open_world

    s = settings(model=model, threads=threads)
    gateway = open_gateway(s)
    embedder = open_embedder(embedder_name)
    scored: list[ev.Scored] = []
    runs = [(w, p) for p in parts for w in (ev.HELD_OUT_WORLDS if p == "held_out" else ev.TUNING_WORLDS)]
    with tempfile.TemporaryDirectory() as tmp, Progress(console=console, transient=True) as bar:
        for world_id, part in runs:
            w = open_world(DEFAULT_WORLD.parent.parent / world_id / "world.yaml",
                           f"sqlite:///{Path(tmp) / f'{world_id}-{part}.db'}")
            n = len(ev.items(w, world_id, part)[:limit])
            task = bar.add_task(f"{part} {world_id}", total=n)
            scored += ev.run(w, world_id, part, gateway, embedder=embedder, limit=limit,
                             progress=lambda _: bar.advance(task))
            w.store.engine.dispose()
    name = getattr(embedder, "name", "none") if embedder is not None else "BM25 only"
    for part in parts:
        table = Table(title=f"grounding, {part.replace('_', '-')} part — model {gateway.backend.name}, retrieval {name}")
        for col in ("world, language", "replies", "right fact", "model alone", "declined", "substituted",
                    "leaks", "repeats", "en in zh", "own lang", "distinct-2", "p50 s"):
            table.add_column(col, justify="right", no_wrap=True)
        mine = [x for x in scored if x.item.part == part]
        groups = ev.figures(mine, lambda x: f"{x.item.world} {x.item.language}")
        groups |= {f"all {lang}": f for lang, f in ev.figures(mine, lambda x: x.item.language).items()}
        for key, f in groups.items():
            table.add_row(key, str(f.n), _frac(f.right, f.answerable), _frac(f.by_model, f.answerable),
                          _frac(f.declined, f.unanswerable), _frac(f.substituted, f.unanswerable),
                          str(f.leaks), str(f.repeated), str(f.english_in_zh) if "zh" in key else "-",
                          f"{f.in_language / f.n:.2f}" if f.n else "-",
                          f"{d:.2f}" if (d := f.distinct()) is not None else "-",
                          f"{statistics.median(f.first_piece):.2f}" if f.first_piece else "-")
        Console(width=max(console.width, 150)).print(table)
    # Failures are printed from the tuning part only: that is the part one may look at and tune on.
    bad = [x for x in scored if x.item.part == "tuning" and (
        (not x.item.unanswerable and not x.right) or (x.item.unanswerable and not x.declined)
        or x.leak or x.repeated or x.english_in_zh)]
    for x in bad[:show]:
        console.print(f"[dim]{x.item.world} {x.item.kind} {x.item.character}[/dim] {x.item.question} → {x.reply.text}"
                      f" [red]{'leak ' + x.leak if x.leak else ''}{' repeated' if x.repeated else ''}"
                      f"{' en-in-zh ' + str(x.english_in_zh) if x.english_in_zh else ''}[/red]")
    if out is not None:
        rows = [{"world": x.item.world, "part": x.item.part, "kind": x.item.kind, "template": x.item.template,
                 "language": x.item.language, "character": x.item.character, "question": x.item.question,
                 "expected": list(x.item.expected), "reply": x.reply.text, "status": x.reply.status,
                 "right": x.right, "by_model": x.by_model, "declined": x.declined, "substituted": x.substituted,
                 "leak": x.leak, "repeated": x.repeated, "english_in_zh": x.english_in_zh, "in_language": x.in_language,
                 "composed": x.reply.composed, "completed": x.reply.completed, "dropped": x.reply.dropped,
                 "reasons": x.reply.reasons, "draft": x.reply.draft, "first_piece_s": x.first_piece_s}
                for x in scored]
        out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
        console.print(f"every reply written to {out}")


def _frac(a: int, n: int) -> str:
    return f"{a / n:.2f} ({a}/{n})" if n else "-"
