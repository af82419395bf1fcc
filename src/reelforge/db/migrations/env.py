"""Alembic environment: runs against whatever URL ``Database.migrate`` passes in."""

from alembic import context
from sqlalchemy import text

from reelforge.db.database import make_engine
from reelforge.db.models import Base

MIGRATION_LOCK_KEY = 0x7265656C  # "reel": any constant shared by every reelforge process

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set"
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Every process of a cluster migrates on start: the first takes this lock and upgrades,
            # the others wait for its commit and then find the schema already at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
engine.dispose()
