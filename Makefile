# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test install clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch first, pinned, so no dependency can pull a CUDA build.
install: $(PY)
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[test,local]"

test: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/llmverse world check src/llmverse/worlds/harbor_town/world.yaml

clean:
	rm -rf $(VENV)
