FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# LibreOffice headless converts reports (Writer) and the ledger (Calc) to PDF for archiving; the font gives it
# Chinese glyphs. install-fonts adds the free faces standing in for the documents' 仿宋/楷体 (Fandol, copied out
# of texlive-lang-chinese), 宋体/小标宋/黑体 (Noto CJK) and Calibri (Carlito), which reporting/pdf.py maps with
# deploy/fontconfig/61-yuqing-gbt9704.conf (issue 13).
# postgresql-client: pg_dump/pg_restore for `manage.py backup`/`restore` (its major version must not be below
# the server's: the base image's Debian ships 17, the compose file runs 16).
COPY deploy/fontconfig/install-fonts /usr/local/sbin/yuqing-install-fonts
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       libreoffice-writer-nogui libreoffice-calc-nogui fonts-wqy-zenhei poppler-utils postgresql-client \
    && yuqing-install-fonts \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings to import; the key is a throwaway used only for this build step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home /app yuqing && mkdir -p /data/media /data/backups && chown -R yuqing /data
USER yuqing
EXPOSE 8000
# --timeout matches WEB_TIMEOUT (120 s), which settings keep above PDF_TIMEOUT: a conversion ends first.
CMD ["gunicorn", "yuqing.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
