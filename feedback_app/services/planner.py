"""Planner statistics after bulk loads: the one place that runs ANALYZE."""

from ..extensions import db


def refresh_planner_statistics(*models: type) -> None:
    """ANALYZE the given models' tables (the whole database when none are named), so queries are planned on
    the real sizes.

    A bulk load (the demo, a CSV import, a calendar import, a roll-up rebuild) leaves PostgreSQL planning as if
    the tables were still empty until autovacuum gets round to them, which may be never: a fresh demo's city
    dashboard took 78 s, past gunicorn's timeout, until someone ran ANALYZE by hand. SQLite gets the same: its
    ANALYZE fills sqlite_stat1, which its planner reads to choose between indexes. Either takes about a second
    or less on the demo.

    Runs on a connection of its own in autocommit, outside the caller's transaction, so it sees only what was
    committed: call it after the load's commit."""
    quote = db.engine.dialect.identifier_preparer.quote
    names = [quote(model.__table__.name) for model in models]
    if db.engine.dialect.name == "postgresql" and names:
        statements = ["ANALYZE " + ", ".join(names)]
    else:  # SQLite's ANALYZE takes one name at a time
        statements = [f"ANALYZE {name}" for name in names] or ["ANALYZE"]
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
