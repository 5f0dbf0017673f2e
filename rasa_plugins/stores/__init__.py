"""Rasa tracker store, lock store and event broker plugins.

- `tracker_store.MaskingTrackerStore` masks secrets before the store it wraps
  keeps anything; a wrapped `type: SQL` is `sql_store.NonBlockingSQLTrackerStore`
  (queries off the event loop, bounded in time); Rasa's silent in-memory fallback
  is turned off (`no_memory_fallback`).
- `broker.MaskingEventBroker` masks secrets before the broker it wraps publishes.
- `outbox_broker.OutboxEventBroker` publishes to RabbitMQ through a durable local
  outbox (`outbox`): replies never wait for RabbitMQ, no event is lost.
- `lock_store.ResilientRedisLockStore`: Redis ticket locks off the event loop,
  with short timeouts.

Configured in `endpoints.yml` / `endpoints.production.yml`; see
docs/infrastructure-faults.md.
"""
