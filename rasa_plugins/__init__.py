"""The project's own Rasa plugins: spaCy pipeline builder, custom NLU components, channels."""
