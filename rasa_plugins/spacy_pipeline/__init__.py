"""The project's own spaCy pipeline: blank English plus an entity ruler.

Recognises `order_id`, `amount` and `date` without any pretrained model; Rasa's
`SpacyNLP` loads the directory written by `python -m rasa_plugins.spacy_pipeline`.
"""
