"""Fault injection for tests and benchmarks: real connections, really cut."""
