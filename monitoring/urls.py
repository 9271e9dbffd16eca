from django.urls import path

from monitoring import candidate_views, keyword_views, views

app_name = "monitoring"

urlpatterns = [
    path("patrol/", views.patrol, name="patrol"),
    path("compliance/", views.compliance, name="compliance"),
    path("roster/", views.roster_page, name="roster"),
    path("candidates/", candidate_views.candidate_list, name="candidates"),  # issue 15: 候选舆情
    path("emergency/", candidate_views.emergency_page, name="emergency"),  # issue 15: 突发事件监测
    path("keywords/", keyword_views.keyword_list, name="keywords"),  # 004 二(二): 舆情关键词库
    path("keywords/<int:pk>/", keyword_views.keyword_detail, name="keyword"),
    path("keywords/sheet.xlsx", keyword_views.keyword_sheet, name="keyword_sheet"),
]
