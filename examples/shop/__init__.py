"""The demo shop: orders, catalog and returns agents over a small SQLite database."""
