"""`python -m llmverse.server [--world FILE] [--host H] [--port P] ...`: the serve command without the
rest of the CLI (what the tests start as a subprocess)."""

from llmverse.cli.serve import main

main()
