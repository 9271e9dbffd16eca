from django.urls import path

from deadlines.configuration import views as settings_views

urlpatterns = [
    path("policies/", settings_views.policy_list, name="settings_policies"),
    path("policies/<int:pk>/", settings_views.policy_edit, name="settings_policy_edit"),
    path("calendar/", settings_views.calendar, name="settings_calendar"),
    path("calendar/confirm/", settings_views.calendar_confirm, name="settings_calendar_confirm"),
    path("calendar/sync/", settings_views.calendar_sync, name="settings_calendar_sync"),
    path("calendar/hours/", settings_views.work_hours, name="settings_work_hours"),
    path("calendar/days/", settings_views.calendar_day_add, name="settings_calendar_day_add"),
    path("calendar/days/<int:pk>/delete/", settings_views.calendar_day_remove, name="settings_calendar_day_remove"),
]
