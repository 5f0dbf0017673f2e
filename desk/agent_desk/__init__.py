"""Agent desk: the queue where people take over conversations from the assistant."""

__version__ = "1.0.0"
