"""The commands as the main CLI mounts them (train sub-app, predict command), end to end."""

from __future__ import annotations

from pathlib import Path

import typer
from tinydata import sentiment_rows, write_tsv
from typer.testing import CliRunner

from llmverse.train.cli import predict_command, train_app

app = typer.Typer()
app.add_typer(train_app, name="train")
app.command("predict")(predict_command)
runner = CliRunner()


def flat(output: str) -> str:
    """Rich wraps long lines to the terminal width: compare words, not layout."""
    return " ".join(output.split())


def test_train_classify_then_predict(tmp_path: Path, tiny_base: Path) -> None:
    train = write_tsv(tmp_path / "train.tsv", sentiment_rows(80))
    out = tmp_path / "model"
    r = runner.invoke(app, ["train", "classify", "--train", str(train), "--out", str(out), "--base", str(tiny_base),
                            "--epochs", "10", "--batch-size", "8", "--lr", "0.01", "--patience", "0", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "accuracy 1.0000" in flat(r.output) and "run_card.md" in flat(r.output)
    r = runner.invoke(app, ["predict", "--model", str(out), "the acting was superb and lovely",
                            "a dull and awful plot"])
    assert r.exit_code == 0, r.output
    rows = [line.split() for line in r.output.strip().splitlines()]
    assert [row[0] for row in rows] == ["pos", "neg"] and rows[0][2:] == "the acting was superb and lovely".split()
    assert all(0.5 < float(row[1]) <= 1.0 for row in rows)


def test_errors_exit_1_naming_file_and_column(tmp_path: Path, tiny_base: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,sentiment\ngood film,pos\n", encoding="utf-8")
    r = runner.invoke(app, ["train", "classify", "--train", str(bad), "--out", str(tmp_path / "o"),
                            "--base", str(tiny_base)])
    assert r.exit_code == 1
    assert "bad.csv" in r.output and "'label'" in flat(r.output) and "--label-column" in flat(r.output)
    r = runner.invoke(app, ["predict", "--model", str(tmp_path), "hello"])
    assert r.exit_code == 1 and "not a model checkpoint" in flat(r.output)


def test_train_mlm_prints_perplexity_before_and_after(tmp_path: Path, tiny_base: Path) -> None:
    r = runner.invoke(app, ["train", "mlm", "--out", str(tmp_path / "mlm"), "--base", str(tiny_base),
                            "--epochs", "2", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "before" in r.output and "after" in r.output and "random weights" in flat(r.output)
    assert (tmp_path / "mlm" / "run_card.json").is_file()
