"""Handing a conversation over to a person at the agent desk.

`config` (the triggers of `handoff.yml`), `triggers` (why now), `summary` (what
the person gets), `idempotency` (one ticket per handoff), `outbox` (tickets kept
while the desk is down) and `action` (`action_handoff`). Nothing here is imported
by this package module itself, so `actions.settings` can import `config` alone.
"""
