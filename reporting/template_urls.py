from django.urls import path

from reporting import template_views

urlpatterns = [
    path("templates/", template_views.template_list, name="settings_templates"),
    path("templates/<str:kind>/download/", template_views.template_download, name="settings_template_download"),
    path("templates/<str:kind>/upload/", template_views.template_upload, name="settings_template_upload"),
    path("templates/<str:kind>/revert/", template_views.template_revert, name="settings_template_revert"),
    path("templates/file/<int:pk>/", template_views.uploaded_download, name="settings_template_file"),
]
