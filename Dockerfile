# Quartier: one container runs the whole node (web pages, API, ActivityPub, background workers).
# Build: docker build -t quartier .   Run: docker run -p 8080:8080 -v quartier-data:/data \
#   -e QUARTIER_PUBLIC_URL=https://quartier.example quartier
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    QUARTIER_DATA_DIR=/data

RUN useradd --system --create-home --home-dir /home/quartier --uid 10001 quartier \
    && mkdir -p /data /app \
    && chown quartier:quartier /data

WORKDIR /app
# The templates live at the repository root, so the copied checkout is installed in place (-e).
COPY . /app
RUN pip install --no-cache-dir -e /app

USER quartier
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/livez', timeout=4).status == 200 else 1)"]

# `serve` applies pending migrations at start, then serves and runs the workers in one process.
ENTRYPOINT ["quartier", "serve", "--host", "0.0.0.0", "--port", "8080"]
