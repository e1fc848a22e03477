"""An IT helpdesk on relay, written only against relay's public API: a diagnostics agent and
an access agent over a user directory, service status and tickets."""
