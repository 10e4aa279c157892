"""Model gateway: the one path for every model call."""
