"""World state: the single source of truth."""
