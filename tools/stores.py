"""Which store a location names: a SQLite path, or a PostgreSQL URL. One level above both
engines, so neither imports the other (psycopg is imported only when a URL asks for it)."""

from pathlib import Path

from relay.tools.store import SqliteStore, Store, is_postgres_url


def open_store(location: Path | str) -> Store:
    """The store at a SQLite path or a `postgresql://` URL."""
    if isinstance(location, str) and is_postgres_url(location):
        from relay.tools.store_postgres import PostgresStore  # psycopg only when used

        return PostgresStore(location)
    return SqliteStore(Path(location))
