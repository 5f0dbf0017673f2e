"""Reference payments and refunds backend for the customer-service assistant."""

__version__ = "1.0.0"
