"""`python -m rasa_plugins.spacy_pipeline OUTPUT_DIR`: builds the spaCy pipeline."""

import sys

from rasa_plugins.spacy_pipeline.build import main

if __name__ == "__main__":
    sys.exit(main())
