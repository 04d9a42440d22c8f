# Quartier: one container runs the whole node (web pages, API, ActivityPub, background workers).
# Build: docker build -t quartier .   Run: docker run -p 8080:8080 -v quartier-data:/data \
#   -e QUARTIER_PUBLIC_URL=https://quartier.example quartier

# Stage 1 builds the wheel: templates, static files, catalogues and migrations are package data
# under node/, so the wheel is the whole node.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY node ./node
RUN pip wheel --no-deps --wheel-dir /wheels .

# Stage 2 installs that wheel (not the checkout, not editable) and runs it as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QUARTIER_DATA_DIR=/data

RUN useradd --system --create-home --home-dir /home/quartier --uid 10001 quartier \
    && mkdir -p /data /metrics \
    && chown quartier:quartier /data /metrics \
    && chmod 0700 /data /metrics

COPY --from=build /wheels /tmp/wheels
RUN pip install /tmp/wheels/quartier-*.whl && rm -rf /tmp/wheels

USER quartier
WORKDIR /home/quartier
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/livez', timeout=4).status == 200 else 1)"]

# `serve` applies pending migrations at start, then serves and runs the workers in one process.
ENTRYPOINT ["quartier", "serve", "--host", "0.0.0.0", "--port", "8080"]
