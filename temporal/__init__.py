"""Running and reaching Temporal: dev-server launcher and client connection."""
