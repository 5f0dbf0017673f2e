"""Local development stack: the payments backend, action server and Rasa server.

Shared by `make run` (`scripts/run.py`) and the integration tests
(`tests/integration/conftest.py`). Services run in their own process groups,
log to `var/log/<name>.log` and are always stopped together (SIGTERM, then
SIGKILL). Settings (read only in `devstack/settings.py`): `BACKEND_PORT`,
`ACTIONS_PORT`, `RASA_PORT`, `DATABASE_URL`, `BACKEND_API_KEY`,
`IDENTITY_SIGNING_KEY`, `ASSISTANT_MODEL`, `STACK_STARTUP_TIMEOUT`,
`RASA_AUTH_TOKEN`.

The Rasa server gets `ACTION_ENDPOINT_URL`; `endpoints.yml` must reference it
unquoted (`url: ${ACTION_ENDPOINT_URL}`): Rasa expands environment variables
only in plain YAML scalars. The action server (`python -m actions.server`) and
Rasa share `ACTION_SERVER_TOKEN` (random per run), sent by Rasa as a header.

`STACK_PROFILE=production` (`make run PROFILE=production`, docs/production.md)
starts several Rasa replicas with `endpoints.production.yml` (PostgreSQL,
Redis, RabbitMQ; `devstack/production.py`, checked by
`devstack/infrastructure.py`) behind a round-robin proxy (`devstack/proxy.py`)
on the usual Rasa port.
"""
