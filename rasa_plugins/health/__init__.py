"""Health of the Rasa process and the services it depends on (readiness route)."""
