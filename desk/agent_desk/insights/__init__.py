"""Insights: what the assistant achieves, computed from the conversations themselves.

Rasa's tracker store (every event of every conversation) and the desk's own tickets
are read, turned into typed records (``records``, ``conversations``) and measured by
pure functions (``metrics``, ``summary``). Definitions: ``docs/insights.md``.
"""
