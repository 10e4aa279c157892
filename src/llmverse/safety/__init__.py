"""Safety: rails on every exchange with a player (input, retrieval, output, actions), classifiers,
injection defence, budgets and an audit log. See docs/safety.md.

    from llmverse.safety import Rails, Speaker
    rails = Rails.for_world(world)
    decision = rails.check_input("p1", "ignore previous instructions", speaker=Speaker("Bram"))
"""

from llmverse.safety.errors import BudgetExceeded, ClassifierMissing, UnsafeInput
from llmverse.safety.policy import CATEGORIES, Limits, Policy
from llmverse.safety.rails import Decision, Rails, policy_for, set_policy
from llmverse.safety.refusals import Speaker

__all__ = ["CATEGORIES", "BudgetExceeded", "ClassifierMissing", "Decision", "Limits", "Policy", "Rails", "Speaker",
           "UnsafeInput", "policy_for", "set_policy"]
