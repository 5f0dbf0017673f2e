# Rasa replicas and the action server (one image, two commands). Not built by the
# tests; see deploy/README.md. Build from the repository root after `make train`:
#   docker build -f deploy/docker/rasa.Dockerfile -t payments-assistant/rasa .
FROM python:3.10-slim
WORKDIR /app
RUN useradd --create-home --uid 1000 rasa
COPY requirements/rasa.txt requirements/rasa.txt
RUN pip install --no-cache-dir -r requirements/rasa.txt
# Code and configuration (the trained model and the project's spaCy pipeline too).
COPY actions actions
COPY rasa_plugins rasa_plugins
COPY redaction redaction
COPY intent_contract.py config.yml domain.yml credentials.yml endpoints.production.yml ./
COPY build/spacy_pipeline build/spacy_pipeline
COPY models models
# The web chat page and its socket.io client (npm ci --prefix webchat first).
COPY webchat/index.html webchat/index.html
COPY webchat/static webchat/static
COPY webchat/node_modules/socket.io-client/dist webchat/node_modules/socket.io-client/dist
RUN mkdir -p var/event-outbox && chown -R rasa var
ENV PYTHONPATH=/app PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
# One-message matrices: spinning OpenBLAS threads only take CPU from the others
# (docs/performance.md, change 7).
ENV OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
USER rasa
EXPOSE 5005 5055
CMD ["rasa", "run", "--enable-api", "--port", "5005", "--model", "models", \
     "--endpoints", "endpoints.production.yml", "--credentials", "credentials.yml"]
