"""Characters: personas that talk (and, later, remember, plan and act) in a world."""
