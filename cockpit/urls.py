from django.urls import path

from cockpit import instructions, views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/refresh/", views.refresh, name="dashboard_refresh"),
    path("signoff/", views.signoff, name="signoff"),
    path("instructions/incident/<int:pk>/", instructions.give, name="instruction_give"),
    path("instructions/<int:pk>/progress/", instructions.progress, name="instruction_progress"),
]
