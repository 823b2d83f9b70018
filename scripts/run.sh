#!/usr/bin/env bash
# `make run`: prepare the embedded database and the demo study, start the background worker,
# serve the web app. Ctrl+C stops both.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
py=.venv/bin/python
mkdir -p "$SEGPROFILE_HOME"
$py -m segprofile.web migrate --noinput >/dev/null
$py -m segprofile.web collectstatic --noinput >/dev/null
$py -m segprofile.web setup_demo
$py -m segprofile.web db_worker >"$SEGPROFILE_HOME/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Фоновый обработчик задач запущен (журнал: $SEGPROFILE_HOME/worker.log)."
echo "Откройте http://$host:$port/ — вход: demo / demo"
exec_status=0
$py -m segprofile.web runserver "$host:$port" --noreload || exec_status=$?
exit $exec_status
