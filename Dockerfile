# syntax=docker/dockerfile:1
# One image for every process of the service (migrate, web, bot, worker, relay); see
# docker-compose.yml for how each is started and README.md, "Deploying", for how to run it.

# --- builder: wheels of the project and of its dependencies (build tools live only here) ---
FROM python:3.11-slim-bookworm AS builder

RUN apt-get update \
    && apt-get install --yes --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

# A PyPI mirror where pypi.org is slow or unreachable (docker-compose.yml passes .env's value).
ARG PIP_INDEX_URL=https://pypi.org/simple
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
# The project's own dependencies as pyproject.toml declares them: no extras, nothing else.
RUN pip wheel --wheel-dir /wheels .

# --- runtime: the wheels installed into a slim Python, run as an unprivileged user ---
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_FORMAT=json

RUN groupadd --system --gid 10001 outreach \
    && useradd --system --uid 10001 --gid outreach --home-dir /app --create-home \
       --shell /usr/sbin/nologin outreach

# Only the wheels the builder made: the project and what it depends on, from no index.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels outreach

WORKDIR /app
# `python worker.py` (the worker's documented command) runs the installed module itself.
RUN python -c "import importlib.util, os; os.symlink(importlib.util.find_spec('worker').origin, 'worker.py')"

USER outreach:outreach
EXPOSE 8080 9100
# Exec form: the signal reaches Python, whose handlers stop taking work and drain in flight.
CMD ["outreach", "serve", "--host", "0.0.0.0", "--port", "8080", "--no-worker", "--no-bot"]
