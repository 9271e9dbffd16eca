from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="inbox_mark_read"),
]
