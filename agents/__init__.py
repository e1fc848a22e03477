"""Declarative specialists: specs, prompts, routing rules and the boundary models. Pure code."""
