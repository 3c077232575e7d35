"""Alembic environment: the engine is handed in by catalog.migrate, never read from a file."""

from alembic import context

from catalog import (
    changes,  # noqa: F401 - the change log
    models,  # noqa: F401 - registers the tables on Base.metadata
)
from catalog.db import Base
from catalog.harvest import models as harvest_models  # noqa: F401 - the harvest tables
from catalog.quality import models as quality_models  # noqa: F401 - the quality tables

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
