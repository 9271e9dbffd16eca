from django.urls import path

from cockpit import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("signoff/", views.signoff, name="signoff"),
]
