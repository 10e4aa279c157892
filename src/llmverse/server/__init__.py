"""The world server: REST, a WebSocket per player, an OpenAI-compatible API and the web client.

    from llmverse.server import ServerConfig, create_app
    app = create_app(ServerConfig())          # serve with uvicorn; `llmverse serve` does this
"""

from llmverse.server.app import create_app
from llmverse.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
