"""The claims store: injury claims, their history and hand-off requests (SQLAlchemy 2 + Alembic)."""
