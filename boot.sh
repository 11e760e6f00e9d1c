#!/bin/sh
# Container entry: migrate, then hand the process to gunicorn.
set -eu
ceksilang db upgrade
exec gunicorn --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" \
    --timeout 30 --graceful-timeout 20 --access-logfile - "service.app:create_app()"
