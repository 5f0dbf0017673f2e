"""Infrastructure shared by the payments backend and the agent desk (pure library).

One concern per module: database engine (``db``), column types (``columns``), the clock
(``clock``), password hashing (``passwords``), Alembic (``migrate``, ``alembic_env``), the
``python -m`` runner (``runner``), environment value parsing (``env``) and test helpers
(``testing``). Nothing here reads the environment; each service's settings module does.
"""
