"""`relay serve`: relay over HTTP (goals, progress, approvals) and the approval inbox."""
