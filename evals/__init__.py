"""`relay eval`: an app's evaluation cases run as real goals, scored, reported and compared.

What an app's own checks use: `EvalCase` (a case, its `expected` data among its fields) and
`CheckContext` (what a check function gets: the case, the result, the app's database)."""

from relay.evals.cases import EvalCase
from relay.evals.runner import CheckContext

__all__ = ["CheckContext", "EvalCase"]
