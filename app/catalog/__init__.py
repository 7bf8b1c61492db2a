"""The catalog: SQLModel tables and keyword-only queries (session first). It never commits;
services own the transactions."""

from app.catalog.db import Database

__all__ = ["Database"]
