# syntax=docker/dockerfile:1
# Build: docker build -t questetra-slack-bridge .
# Run:   docker run --env-file .env -p 3000:3000 -v bridge-data:/data questetra-slack-bridge

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /venv/bin/pip install -r requirements.txt
COPY README.md ./
COPY bot ./bot
COPY migrations ./migrations
RUN /venv/bin/pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/questetra-bot.db LOG_FORMAT=json
RUN useradd --system --uid 10001 --home-dir /data --create-home bridge
COPY --from=build /venv /venv
USER bridge
WORKDIR /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"
CMD ["python", "-m", "bot", "serve"]
