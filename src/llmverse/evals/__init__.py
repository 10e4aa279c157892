"""Evaluations that print a figure: how often the world's facts reach the player intact."""
