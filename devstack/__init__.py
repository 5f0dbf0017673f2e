"""Local development stack: starts and stops the backend, action server and Rasa server."""
