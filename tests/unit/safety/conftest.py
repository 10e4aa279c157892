"""Rules-only rails for unit tests: deterministic whether or not a trained classifier is installed."""

import pytest

from llmverse.safety import Policy, Rails
from llmverse.safety.classify import SafetyClassifier


@pytest.fixture
def rules():
    return SafetyClassifier(use_model=False)


@pytest.fixture
def rails(rules):
    return Rails(Policy(use_model=False), classifier=rules)
