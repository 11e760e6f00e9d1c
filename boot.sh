#!/bin/sh
# Container entry: bring the schema to the code's revision, then hand the process to gunicorn.
# Migrations hold a database lock, so containers started together never migrate at once: the
# first does the work, the others wait for it and find nothing left to do.
set -eu
ceksilang db upgrade
exec gunicorn --config python:service.gunicorn_conf "service.app:create_app()"
