#!/bin/sh
# The peer for issue 16's benchmarks: django-helpdesk 2.6.1 (PyPI) in its own virtualenv, bench/peer/.venv (git-ignored),
# its own settings (bench/peer/peer_settings.py) and database yuqing_bench_peer. Run from the repository's root.
set -e
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet "django-helpdesk==2.6.1" "psycopg[binary]"
.venv/bin/python -c "import helpdesk, django; print('django-helpdesk installed, Django', django.get_version())"
