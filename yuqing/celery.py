import os

from celery import Celery

from yuqing.broker import prune_delivered_messages

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuqing.settings")

app = Celery("yuqing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="yuqing.prune_embedded_broker", ignore_result=True)
def prune_embedded_broker():
    prune_delivered_messages(app.conf.broker_url)
