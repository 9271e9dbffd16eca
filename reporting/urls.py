from django.urls import path

from reporting import views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/issue/", views.report_issue, name="report_issue"),
    path("<int:pk>/recall/", views.report_recall, name="report_recall"),
    path("<int:pk>/regenerate/", views.report_regenerate, name="report_regenerate"),
    path("special/new/<int:incident_pk>/", views.special_create, name="special_report_create"),
    path("supervision/new/<int:ticket_pk>/", views.supervision_create, name="supervision_create"),
    path("risks/", views.risk_topics, name="risk_topics"),
    path("risks/<int:topic_pk>/notice/", views.risk_notice_create, name="risk_notice_create"),
    path("submissions/", views.submission_status, name="submission_status"),
    path("submissions/submit/", views.submission_submit, name="submission_submit"),
]
