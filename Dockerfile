# syntax=docker/dockerfile:1
# Build: docker build -t questetra-slack-bridge .
# Run:   docker run --env-file .env -p 3000:3000 -v bridge-data:/data questetra-slack-bridge
# Several replicas with PostgreSQL: compose.yaml (docs/operations.md, "Scale out").

FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
# Dependencies first, from the lock: every file's hash is checked, nothing else is resolved.
# This layer is rebuilt only when requirements/runtime.txt changes.
COPY requirements/runtime.txt ./requirements.txt
RUN /venv/bin/pip install --require-hashes --no-deps -r requirements.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
RUN /venv/bin/pip install --no-deps . && /venv/bin/pip uninstall --yes pip

FROM python:3.13-slim
# JSON logs and the SQLite file under /data unless the environment says otherwise. .env.example
# leaves LOG_FORMAT and DATABASE_URL commented out, so `--env-file .env` keeps these.
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/questetra-bot.db LOG_FORMAT=json PORT=3000
RUN useradd --system --uid 10001 --home-dir /data --create-home bridge
COPY --from=build /venv /venv
USER bridge
WORKDIR /data
EXPOSE 3000
# Liveness on whatever PORT the container is given (/healthz does no I/O).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import os,sys,urllib.request; sys.exit(0 if urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT') or 3000}/healthz\", timeout=2).status == 200 else 1)"]
CMD ["python", "-m", "bot", "serve"]
