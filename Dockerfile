# Cek Silang: build the wheel in one stage, run it as a non-root user in a slim one.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service/ service/
COPY schemas/ schemas/
COPY migrations/ migrations/
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CEKSILANG_INSTANCE_DIR=/data \
    CEKSILANG_SEEDS_DIR=/app/seeds \
    WEB_CONCURRENCY=2
RUN useradd --create-home --uid 10001 ceksilang && mkdir /data && chown ceksilang /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY seeds/ seeds/
COPY boot.sh ./
USER ceksilang
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
ENTRYPOINT ["./boot.sh"]
