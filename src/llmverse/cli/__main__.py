"""`python -m llmverse.cli` runs the command line."""

from llmverse.cli import app

app()
