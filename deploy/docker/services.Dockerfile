# Payments backend and agent desk (one image, two commands; Python 3.11). Not built
# by the tests; see deploy/README.md. Build from the repository root:
#   docker build -f deploy/docker/services.Dockerfile -t payments-assistant/services .
FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY backend/requirements.txt backend/requirements.txt
COPY desk/requirements.txt desk/requirements.txt
RUN pip install --no-cache-dir -r backend/requirements.txt -r desk/requirements.txt
COPY service_kit service_kit
COPY redaction redaction
COPY intent_contract.py ./
COPY backend backend
COPY desk desk
ENV PYTHONPATH=/app PYTHONUNBUFFERED=1
USER app
EXPOSE 8080 8090
# The compose file / chart chooses: backend (cwd backend) or desk (cwd desk).
CMD ["python", "-m", "payments_backend", "--port", "8080"]
