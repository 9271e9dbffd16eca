from django.urls import path

from review import views

urlpatterns = [
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("spot-checks/draw/", views.draw, name="spot_check_draw_new"),
    path("spot-checks/<int:pk>/", views.spot_checks, name="spot_check_draw"),
    path("spot-checks/check/<int:pk>/verdict/", views.verdict, name="spot_check_verdict"),
    path("log/", views.incident_log, name="incident_log"),
]
