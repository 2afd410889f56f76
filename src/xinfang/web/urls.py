from django.contrib.auth import views as auth_views
from django.urls import path

from .navigation import AREAS
from .views import account, home, imports, intake, knowledge, manage, petitioners, petitions, reports, search
from .views import documents as document_views
from .views import oversight as oversight_views
from .views import query_code as query_code_views
from .views import reply_aid as reply_aid_views

app_name = "web"
urlpatterns = [
    path("login/", account.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account.password_change_view, name="account_password"),
    path("account/totp/", account.totp_view, name="account_totp"),
    path("", home.home, name="home"),
    path("queue/<slug:key>/", home.queue_view, name="queue"),
    path("petitions/<int:petition_id>/", petitions.petition_detail_view, name="petition"),
    path("petitions/<int:petition_id>/act/<slug:action>/", petitions.petition_act_view, name="act"),
    path("petitions/<int:petition_id>/reply-aid/", reply_aid_views.reply_aid_panel_view, name="reply_aid"),
    path("petitions/<int:petition_id>/reply-check/", reply_aid_views.reply_check_view, name="reply_check"),
    path("petitions/<int:petition_id>/similar/decide/", petitions.petition_similar_decide_view, name="similar_decide"),
    # 包案 (leader case ownership)
    path("petitions/<int:petition_id>/ownership/", oversight_views.ownership_assign_view, name="ownership_assign"),
    path("petitions/<int:petition_id>/ownership/end/", oversight_views.ownership_end_view, name="ownership_end"),
    path("petitions/<int:petition_id>/ownership/transfer/", oversight_views.ownership_transfer_view,
         name="ownership_transfer"),
    path("ownerships/", oversight_views.my_ownerships_view, name="my_ownerships"),
    # 登记 (intake) and its receipt
    path("intake/", intake.intake_view, name="intake"),
    path("intake/lookup/", intake.intake_lookup_view, name="intake_lookup"),
    path("intake/repeat/", intake.intake_repeat_view, name="intake_repeat"),
    path("intake/<slug:channel>/insight/", intake.intake_insight_view, name="intake_insight"),
    path("intake/<slug:channel>/", intake.intake_channel_view, name="intake_channel"),
    path("petitions/<int:petition_id>/receipt/", intake.receipt_view, name="receipt"),
    path("petitions/<int:petition_id>/query-code/", query_code_views.query_code_reissue_view, name="query_code_reissue"),
    # 查询 (search)
    path("search/", search.search_view, name="search"),
    path("search/export.xlsx", search.search_export_view, name="search_export"),
    path("search/saved/", search.saved_filter_save_view, name="search_saved_save"),
    path("search/saved/<int:filter_id>/delete/", search.saved_filter_delete_view, name="search_saved_delete"),
    # 信访人
    path("petitioners/", petitioners.petitioner_list_view, name="petitioners"),
    path("petitioners/<int:petitioner_id>/", petitioners.petitioner_view, name="petitioner"),
    path("petitioners/<int:petitioner_id>/reveal/", petitioners.petitioner_reveal_view,
         name="petitioner_reveal"),
    # 批量导入
    path("imports/", imports.import_view, name="imports"),
    path("imports/template/", imports.import_template_view, name="import_template"),
    path("imports/<int:job_id>/", imports.import_job_view, name="import_job"),
    path("imports/<int:job_id>/progress/", imports.import_progress_view, name="import_progress"),
    path("imports/<int:job_id>/commit/", imports.import_commit_view, name="import_commit"),
    # 知识库
    path("knowledge/", knowledge.knowledge_view, name="knowledge"),
    path("knowledge/new/", knowledge.knowledge_new_view, name="knowledge_new"),
    path("knowledge/<int:article_id>/", knowledge.knowledge_article_view, name="knowledge_article"),
    path("knowledge/<int:article_id>/edit/", knowledge.knowledge_edit_view, name="knowledge_edit"),
    path("knowledge/<int:article_id>/delete/", knowledge.knowledge_delete_view, name="knowledge_delete"),
    path("knowledge/case/<int:petition_id>/", knowledge.case_mark_view, name="knowledge_case_mark"),
    path("knowledge/suggest/<int:petition_id>/", knowledge.knowledge_suggest_view, name="knowledge_suggest"),
    # 系统管理
    path("manage/", manage.manage_view, name="manage"),
    path("manage/units/", manage.units_view, name="manage_units"),
    path("manage/units/new/", manage.unit_new_view, name="manage_unit_new"),
    path("manage/units/<int:unit_id>/", manage.unit_edit_view, name="manage_unit"),
    path("manage/units/<int:unit_id>/status/", manage.unit_status_view, name="manage_unit_status"),
    path("manage/users/", manage.users_view, name="manage_users"),
    path("manage/users/new/", manage.user_new_view, name="manage_user_new"),
    path("manage/users/<int:user_id>/", manage.user_view, name="manage_user"),
    path("manage/users/<int:user_id>/memberships/", manage.user_membership_add_view,
         name="manage_membership_add"),
    path("manage/users/<int:user_id>/status/", manage.user_status_view, name="manage_user_status"),
    path("manage/users/<int:user_id>/password/", manage.user_password_view, name="manage_user_password"),
    path("manage/memberships/<int:membership_id>/remove/", manage.membership_remove_view,
         name="manage_membership_remove"),
    path("manage/categories/", manage.categories_view, name="manage_categories"),
    path("manage/categories/new/", manage.category_new_view, name="manage_category_new"),
    path("manage/categories/<int:category_id>/", manage.category_edit_view, name="manage_category"),
    path("manage/categories/<int:category_id>/status/", manage.category_status_view,
         name="manage_category_status"),
    path("manage/deadlines/", manage.deadlines_view, name="manage_deadlines"),
    path("manage/deadlines/override/", manage.deadline_override_view, name="manage_deadline_override"),
    path("manage/deadlines/<int:policy_id>/", manage.deadline_edit_view, name="manage_deadline"),
    path("manage/deadlines/<int:policy_id>/delete/", manage.deadline_delete_view, name="manage_deadline_delete"),
    path("manage/calendar/", manage.calendar_view, name="manage_calendar"),
    path("manage/routing/", manage.routing_view, name="manage_routing"),
    path("manage/routing/<int:rule_id>/", manage.routing_edit_view, name="manage_routing_rule"),
    path("manage/routing/<int:rule_id>/delete/", manage.routing_delete_view, name="manage_routing_delete"),
    # 报表 (statistics dashboard, bulletins, annual report, drill-down)
    path("reports/", reports.reports_view, name="reports"),
    path("reports/dashboard/", reports.dashboard_view, name="report_dashboard"),
    path("reports/dashboard/hotspots/", reports.dashboard_hotspots_view, name="report_dashboard_hotspots"),
    path("reports/drill/", reports.drill_view, name="report_drill"),
    path("reports/bulletin.<slug:fmt>", reports.bulletin_download_view, name="report_bulletin"),
    path("reports/annual.<slug:fmt>", reports.annual_download_view, name="report_annual"),
    # 文书 (issued notices, the case dossier)
    path("documents/<int:document_id>.pdf", document_views.document_download_view, {"fmt": "pdf"}, name="document_pdf"),
    path("documents/<int:document_id>.docx", document_views.document_download_view, {"fmt": "docx"},
         name="document_docx"),
    path("petitions/<int:petition_id>/dossier.pdf", document_views.dossier_view, name="dossier"),
    path("petitions/<int:petition_id>/documents/regenerate/", document_views.documents_regenerate_view,
         name="documents_regenerate"),
    path("petitions/<int:petition_id>/documents/", document_views.documents_panel_view, name="documents_panel"),
]

# issue 10's areas: each its own urls module under views/<area>/
for _area in AREAS:
    urlpatterns += __import__(f"xinfang.web.views.{_area}.urls", fromlist=["urlpatterns"]).urlpatterns
