"""Imports every room's tables, so that metadata (Alembic, tests) sees all of them."""

from sqlalchemy import MetaData

from qorgau.db import Base


def load_all() -> None:
    import qorgau.audit.models
    import qorgau.auth.models
    import qorgau.fund.models
    import qorgau.nrm.models
    import qorgau.screening.models  # noqa: F401


def metadata() -> MetaData:
    """Every room's tables, for Alembic's autogenerate:
    `alembic_config(url, target_metadata=metadata())`."""
    load_all()
    return Base.metadata
