"""The incident example: agents that react to each other's events (choreography)."""
