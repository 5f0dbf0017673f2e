"""Reliability benchmark of the production profile (issue #5): faults injected, what was lost.

`python -m bench.reliability` starts one production stack (two Rasa replicas on
PostgreSQL, Redis and RabbitMQ behind the round-robin proxy, with fault proxies)
and runs one scenario per fault, printing a table: faults injected, messages
sent, silent turns, events lost, duplicate refunds, leaked secrets. See
bench/README.md.
"""
