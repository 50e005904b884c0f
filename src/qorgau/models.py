"""Imports every room's tables, so that metadata (Alembic, tests) sees all of them."""


def load_all() -> None:
    import qorgau.audit.models
    import qorgau.auth.models
    import qorgau.fund.models
    import qorgau.nrm.models
    import qorgau.screening.models  # noqa: F401
