# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test install browser models clean

# llama-cpp-python compiles from source. A portable AVX2 build, not -march=native: on CPUs with
# AMX (Xeon Sapphire Rapids and later) the native build crashes in decode inside sandboxes that do
# not grant AMX tile state, and pip's wheel cache would hand that broken build to every later venv.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF
# hnswlib builds from source too; the same reason for a portable build.
export HNSWLIB_NO_NATIVE ?= 1

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch first, pinned, so no dependency can pull a CUDA build. Done again only when pyproject.toml
# changed (the stamp file), so `make demo` starts at once, quietly, when nothing needs installing.
INSTALLED := $(VENV)/.installed
install: $(INSTALLED)
$(INSTALLED): pyproject.toml | $(PY)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test,local,embed,remote,ann,train,server]"
	@touch $@

# The browser tests drive Debian's chromium through playwright; a browser download never happens.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; } || \
		echo "chromium not installed: browser tests will skip"

test: install browser
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# The world server on the bundled model and SQLite: open the address it prints in a browser
# (log in as admin with LLMVERSE_ADMIN_PASSWORD, default demo-admin, or sign up as a player).
demo: install
	@HF_HUB_OFFLINE=1 LLMVERSE_THREADS=$${LLMVERSE_THREADS:-1} LLMVERSE_ADMIN_PASSWORD=$${LLMVERSE_ADMIN_PASSWORD:-demo-admin} \
		$(VENV)/bin/llmverse serve --db sqlite:///demo.db --port $${PORT:-8000}

# The NPC voice that ships in the package (llm/adapters/gemma3-npc/adapter.npz): Gemma-3-270M + LoRA on
# conversations from generated bilingual worlds, with the characters' real prompts. Not in CI: about an
# hour and a half on 2 quiet cores. It rebuilds the shipped adapter from scratch (docs/training.md).
models: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/llmverse train dialogues --out models/npc-dialogues --worlds 50 --held-worlds 3
	HF_HUB_OFFLINE=1 nice -n 19 $(VENV)/bin/llmverse train sft --train models/npc-dialogues/train.jsonl \
		--eval models/npc-dialogues/eval.jsonl --out models/gemma3-npc --steps 700 --rank 16 \
		--targets q_proj,k_proj,v_proj,o_proj --max-length 512 --last-turn-only \
		--adapter-out src/llmverse/llm/adapters/gemma3-npc/adapter.npz
	cp models/gemma3-npc/run_card.json models/gemma3-npc/run_card.md src/llmverse/llm/adapters/gemma3-npc/

clean:
	rm -rf $(VENV)
