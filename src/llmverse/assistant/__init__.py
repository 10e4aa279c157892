"""The in-world assistant: navigation, question answering with citations, and a router in front.

    from llmverse.assistant import Assistant, navigate
    route = navigate(world, "how do I get to the museum?", start="market")
    answer = "".join(Assistant(world, gateway).ask("p1", "who runs the forge?"))  # streamed
"""

from llmverse.assistant.answer import Answer, answer
from llmverse.assistant.assistant import Assistant, AssistantReply
from llmverse.assistant.navigate import Landmark, NotFound, Opening, Route, Step, navigate
from llmverse.assistant.router import Decision, Router, ToolChoice
from llmverse.world.places import Match, Resolution, resolve

__all__ = ["Answer", "Assistant", "AssistantReply", "Decision", "Landmark", "Match", "NotFound", "Opening",
           "Resolution", "Route", "Router", "Step", "ToolChoice", "answer", "navigate", "resolve"]
