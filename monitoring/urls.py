from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("patrol/", views.patrol, name="patrol"),
    path("compliance/", views.compliance, name="compliance"),
    path("roster/", views.roster_page, name="roster"),
]
