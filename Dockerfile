# Cek Silang: build wheels from the lock file in one stage, run them as a non-root user in a slim one.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock ./
RUN pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels -r requirements.lock
COPY pyproject.toml README.md ./
COPY service/ service/
COPY schemas/ schemas/
COPY migrations/ migrations/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CEKSILANG_ENV=production \
    CEKSILANG_LOG_FORMAT=json \
    CEKSILANG_INSTANCE_DIR=/data \
    CEKSILANG_SEEDS_DIR=/app/seeds \
    WEB_CONCURRENCY=2 \
    PORT=8000
RUN useradd --create-home --uid 10001 ceksilang && mkdir /data && chown 10001 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY seeds/ seeds/
COPY boot.sh ./
USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
ENTRYPOINT ["./boot.sh"]
