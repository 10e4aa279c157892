from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmverse.train import data as D
from llmverse.train.errors import TrainingDataError


def test_sst2_tsv_reads_as_it_is(tmp_path: Path) -> None:
    # GLUE's format: header, tab, no quoting; quotes and apostrophes are text, trailing spaces trimmed.
    f = tmp_path / "train.tsv"
    f.write_text('sentence\tlabel\nit \'s a "charming" journey . \t1\nunflinchingly bleak \t0\n\n', encoding="utf-8")
    got = D.read_labelled(f)
    assert got.text_column == "sentence" and got.label_column == "label"
    assert [(e.text, e.label, e.line) for e in got.examples] == [
        ('it \'s a "charming" journey .', "1", 2), ("unflinchingly bleak", "0", 3)]


def test_csv_with_named_columns_and_quoted_commas(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text('id,review,stars\n1,"good, really good",five\n2,meh,two\n', encoding="utf-8")
    got = D.read_labelled(f, text_column="review", label_column="stars")
    assert [(e.text, e.label) for e in got.examples] == [("good, really good", "five"), ("meh", "two")]


def test_jsonl_int_and_bool_labels(tmp_path: Path) -> None:
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [{"text": "a b", "label": 2}, {"text": "c d", "label": True}]),
                 encoding="utf-8")
    assert [e.label for e in D.read_labelled(f).examples] == ["2", "true"]


@pytest.mark.parametrize("content, column, line, words", [
    ("sentence\tlabel\n", None, None, "no rows"),
    ("text\tscore\nhi there\t1\n", "label", None, "no such column"),
    ("sentence\tlabel\nfine text\t1\n \t0\n", "sentence", 3, "empty"),
    ("sentence\tlabel\nfine text\t1\ntoo\tmany\tfields\n", None, 3, "3 fields"),
    ("sentence\tlabel\nno label here\t\n", "label", 2, "empty"),
    ("review\tlabel\nx y\t1\n", "text or sentence", None, "no text column"),
])
def test_bad_tables_name_file_column_and_line(tmp_path: Path, content: str, column: str | None,
                                              line: int | None, words: str) -> None:
    f = tmp_path / "bad.tsv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError) as err:
        D.read_labelled(f)
    e = err.value
    assert (e.file, e.column, e.line) == (str(f), column, line)
    assert words in str(e) and str(f) in str(e)


def test_empty_missing_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="empty"):
        D.read_labelled(tmp_path / "empty.csv")
    with pytest.raises(TrainingDataError, match="no such file"):
        D.read_labelled(tmp_path / "nope.tsv")
    with pytest.raises(TrainingDataError, match="unknown file type"):
        D.read_labelled(tmp_path / "data.xlsx")


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    f = tmp_path / "d.jsonl"
    f.write_text('{"text": "a b", "label": 1}\n{"text": "c d"}\n', encoding="utf-8")
    with pytest.raises(TrainingDataError) as err:
        D.read_labelled(f)
    assert (err.value.column, err.value.line) == ("label", 2)
    f.write_text('{"text": "a b", "label": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(TrainingDataError, match="not valid JSON") as err:
        D.read_labelled(f)
    assert err.value.line == 2


def test_label_order_numeric_when_all_ints() -> None:
    assert D.label_names(["10", "2", "1", "2"]) == ["1", "2", "10"]
    assert D.label_names(["pos", "neg", "neutral"]) == ["neg", "neutral", "pos"]


def test_unknown_eval_label_is_reported_where_it_stands(tmp_path: Path) -> None:
    f = tmp_path / "dev.tsv"
    f.write_text("sentence\tlabel\nok then\t1\nwhat now\t2\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="label '2' does not occur") as err:
        D.check_labels(D.read_labelled(f), ["0", "1"])
    assert (err.value.column, err.value.line) == ("label", 3)


def test_split_is_stratified_and_disjoint() -> None:
    rows = [D.Example(f"t{i}", "a" if i < 90 else "b", i) for i in range(100)]
    train, val = D.split(rows, 0.2, seed=1)
    assert len(train) + len(val) == 100 and not {id(x) for x in train} & {id(x) for x in val}
    assert sum(e.label == "b" for e in val) == 2 and sum(e.label == "a" for e in val) == 18
    assert D.split(rows, 0.2, seed=1) == (train, val)  # seeded: the same every run


def test_subsample_is_seeded_and_keeps_file_order() -> None:
    rows = [D.Example(f"t{i}", "a", i) for i in range(50)]
    sub = D.subsample(rows, 10, seed=3)
    assert len(sub) == 10 and sub == sorted(sub, key=lambda e: e.line) and sub == D.subsample(rows, 10, seed=3)
    assert D.subsample(rows, None, seed=3) is rows
