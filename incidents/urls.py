from django.urls import path

from incidents import desk, list_views, views

urlpatterns = [
    path("", list_views.home, name="home"),
    path("desk/", desk.desk, name="desk"),
    path("desk/suggest/", desk.suggest, name="desk_suggest"),
    path("desk/duplicates/", desk.duplicates, name="desk_duplicates"),
    path("incidents/<int:pk>/dispatch-preview/", desk.dispatch_preview, name="dispatch_preview"),
    path("incidents/", list_views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/<slug:action>/", views.incident_action, name="incident_action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("tickets/", list_views.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="ticket_action"),
]
