"""The seed's example, measured: fine-tune the bundled all-MiniLM-L6-v2 on GLUE SST-2 (its TSV as
it is) and report accuracy on dev.tsv and training samples/s on this machine.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_sst2.py [--data ../shared/data/sst2]
        [--max-samples 50000] [--epochs 1] [--batch-size 32] [--max-length 64] [--lr 1e-4]

dev.tsv is the test set: scored once at the end, never used for early stopping or for choosing the
checkpoint (those use --val-fraction of the training subset), so its accuracy is not flattered by
selection. The same run from the command line:

    llmverse train classify --train DATA/train.tsv --test DATA/dev.tsv --out OUT --max-samples 50000 \
        --val-fraction 0.04 --epochs 1 --batch-size 32 --max-length 64 --lr 1e-4 --eval-steps 250 --patience 3

SST-2 is not part of the package and no test uses it; this script is the only reader.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.train.classify import ClassifyConfig, train_classifier

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory with train.tsv and dev.tsv")
    p.add_argument("--out", type=Path, default=None, help="where the model goes (default: a temporary directory)")
    p.add_argument("--max-samples", type=int, default=50000, help="rows drawn at random (seeded) from train.tsv")
    p.add_argument("--val-fraction", type=float, default=0.04, help="of those, held out for early stopping")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--eval-steps", type=int, default=250, help="evaluate on dev.tsv every N steps")
    p.add_argument("--threads", type=int, default=None, help="default: 1 or all cores, chosen while training")
    a = p.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="sst2-") as tmp:
        out = a.out or Path(tmp) / "model"
        load_before = os.getloadavg()[0]
        result = train_classifier(ClassifyConfig(
            train=a.data / "train.tsv", test=a.data / "dev.tsv", out=out, max_samples=a.max_samples,
            val_fraction=a.val_fraction,
            epochs=a.epochs, batch_size=a.batch_size, max_length=a.max_length, learning_rate=a.lr,
            eval_steps=a.eval_steps, threads=a.threads, patience=3), console=console)
        card = result.card
    m, t, d, prm = card.metrics, card.time, card.data, card.parameters
    table = Table(title=f"all-MiniLM-L6-v2 on SST-2, {d['test_examples']} dev.tsv sentences, this machine")
    table.add_column("what")
    table.add_column("figure", justify="right")
    rows = [
        ("training / validation examples (of the file's rows)",
         f"{d['train_examples']:,} / {d['eval_examples']:,} (of {d['rows_in_file']:,})"),
        ("epochs / steps / best checkpoint step",
         f"{prm['epochs']:g} / {prm['steps']} / {m['best_checkpoint_step']}"),
        ("batch size / max length / learning rate",
         f"{prm['batch_size']} / {prm['max_length']} / {prm['learning_rate']:g}"),
        ("validation accuracy (chose the checkpoint)", f"{m['accuracy']:.4f}"),
        ("dev.tsv accuracy (test: never used for choosing)", f"[bold]{m['test']['accuracy']:.4f}[/bold]"),
        ("dev.tsv macro-F1", f"{m['test']['f1']:.4f}"),
        ("dev.tsv confusion matrix (rows true 0/1)", str(m["test"]["confusion_matrix"])),
        ("training samples/s (incl. evaluations)", f"{t.samples_per_second:.1f}"),
        ("training samples/s (steps only)", f"{t.step_samples_per_second:.1f}"),
        ("threads (steps at each count)", f"{prm['threads']} {prm['steps_per_thread_count'] or ''}"),
        ("wall time", f"{t.wall_seconds / 60:.1f} min"),
        ("load average before / after (1 min)", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
