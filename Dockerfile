# Smarketing connector: one container per CRM account.
#   docker build -t smarketing .
#   docker run --rm -e HUBSPOT_ACCESS_TOKEN -v $PWD/config.toml:/config/config.toml:ro \
#              -v smarketing-state:/data -p 8787:8787 smarketing
# See docs/deploy.md (docker run, Kubernetes with PostgreSQL).
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY rules ./rules
COPY adapters ./adapters
COPY connector ./connector
RUN python -m pip install --no-cache-dir --upgrade pip \
 && python -m pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SMARKETING_CONFIG=/config/config.toml
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
 && useradd --system --uid 10001 --home-dir /data --create-home smarketing
# The shipped example; mount your own at /config/config.toml with [status] bind = "0.0.0.0" so
# the published port reaches it. The default store (sqlite:///smarketing.db) lands on /data.
COPY config.toml /config/config.toml
USER smarketing
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8787
# /healthz answers 503 (urlopen raises, exit 1) when no cycle succeeded recently; see docs/deploy.md.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8787/healthz', timeout=4)"]
ENTRYPOINT ["smarketing"]
CMD ["run"]
