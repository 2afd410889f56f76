from django.contrib.auth import views as auth_views
from django.urls import path

from .views import home, imports, intake, knowledge, manage, petitioners, petitions, search

app_name = "web"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("queue/<slug:key>/", home.queue_view, name="queue"),
    path("petitions/<int:petition_id>/", petitions.petition_detail_view, name="petition"),
    path("petitions/<int:petition_id>/act/<slug:action>/", petitions.petition_act_view, name="act"),
    # 登记 (intake) and its receipt
    path("intake/", intake.intake_view, name="intake"),
    path("petitions/<int:petition_id>/receipt/", intake.receipt_view, name="receipt"),
    # 查询 (search)
    path("search/", search.search_view, name="search"),
    # 信访人
    path("petitioners/", petitioners.petitioner_list_view, name="petitioners"),
    path("petitioners/<int:petitioner_id>/", petitioners.petitioner_view, name="petitioner"),
    # 批量导入
    path("imports/", imports.import_view, name="imports"),
    # 知识库
    path("knowledge/", knowledge.knowledge_view, name="knowledge"),
    # 系统管理
    path("manage/", manage.manage_view, name="manage"),
]
