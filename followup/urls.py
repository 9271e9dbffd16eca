from django.urls import path

from followup import views

urlpatterns = [
    path("incidents/<int:pk>/", views.page, name="followup_page"),
    path("incidents/<int:pk>/<slug:name>/", views.act, name="followup_act"),
    path("reviews/<int:pk>/document/", views.review_document, name="followup_review_document"),
    path("upward/<int:pk>/document/", views.upward_document, name="followup_upward_document"),
    path("evaluations/<int:pk>/document/", views.evaluation_document, name="followup_evaluation_document"),
]
