"""The in-world assistant: navigation now; recommendations and question answering to come.

    from llmverse.assistant import navigate
    route = navigate(world, "how do I get to the museum?", start="market")
    print(route.text)
"""

from llmverse.assistant.navigate import Landmark, NotFound, Opening, Route, Step, navigate
from llmverse.world.places import Match, Resolution, resolve

__all__ = ["Landmark", "Match", "NotFound", "Opening", "Resolution", "Route", "Step", "navigate", "resolve"]
