"""LLM providers behind one interface, chosen by the prefix of a model route entry."""
