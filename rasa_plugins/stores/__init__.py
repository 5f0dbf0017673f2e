"""Rasa tracker store and event broker wrappers that mask secrets before they are kept.

Configured in `endpoints.yml` around the store or broker that really keeps the data
(`wrapped:`); see `rasa_plugins.stores.tracker_store` and `rasa_plugins.stores.broker`.
"""
