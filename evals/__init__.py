"""`relay eval`: an app's evaluation cases run as real goals, scored, reported and compared."""
