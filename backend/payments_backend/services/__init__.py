"""Use cases: database reads and writes around the pure rules in ``rules``."""
