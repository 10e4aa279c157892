"""Batch jobs and the generator registry: validation before anything runs, unknown kinds listed."""

import pytest

from llmverse.content import GENERATORS, ContentError, ContentStore, UnknownChoice, generate, load_jobs, run_batch


def test_every_generator_is_registered():
    assert set(GENERATORS) == {"news", "story", "poem", "quest", "description"}


def test_an_unknown_kind_lists_the_kinds(world, scripted):
    with pytest.raises(UnknownChoice, match="content kind 'song'.*description, news, poem, quest, story"):
        generate("song", world, scripted())


def test_a_batch_runs_in_order_and_saves_each_document(world, market_day, tmp_path, scripted):
    jobs_file = tmp_path / "jobs.yaml"
    jobs_file.write_text("- {kind: news, day: 1}\n- {kind: poem, form: jueju7, topic: market}\n- {kind: quest, giver: bram}\n")
    seen = []
    docs = run_batch(world, scripted(), load_jobs(jobs_file), progress=lambda i, d: seen.append((i, d.kind)))
    assert seen == [(1, "news"), (2, "poem"), (3, "quest")]
    assert [s.kind for s in ContentStore(world).list()] == ["quest", "poem", "news"]
    assert docs[1].params["topic"] == "market" and docs[0].seconds >= 0


def test_a_bad_job_is_refused_before_any_runs(tmp_path):
    jobs_file = tmp_path / "jobs.yaml"
    jobs_file.write_text("- {kind: news, day: 1}\n- {kind: poem, topic: market}\n")
    with pytest.raises(ContentError, match="job 2 \\(poem\\).*form"):
        load_jobs(jobs_file)
    jobs_file.write_text("kind: news\n")
    with pytest.raises(ContentError, match="list of jobs"):
        load_jobs(jobs_file)
