"""Load benchmark of the assistant: `python -m bench.load` (see docs/performance.md).

Drives the REST webhook with closed-loop customer journeys at several
concurrency levels, measures a stock `rasa init` assistant in the same run,
drives the action server's `/webhook` directly, proves that a slow backend call
does not hold other conversations up, and measures two Rasa workers.
"""
