"""住民記録の画面 (/registry/)."""

from django.urls import path

from lgcloud.areas.registry import (
    catalogue,
    certificate_views,
    event_views,
    inbox_views,
    restriction_views,
    review_views,
    views,
)

app_name = "registry"

urlpatterns = [
    path("", views.home, name="index"),
    path("search/", views.search_view, name="search"),
    path("persons/<int:person_no>/", views.person, name="person"),
    path("persons/<int:person_no>/individual-number/", views.reveal_number, name="reveal_number"),
    path("households/<int:household_no>/", views.household, name="household"),
    path("events/", event_views.event_menu, name="events"),
    *[path(f"events/{slug}/", event_views.event_form, {"slug": slug}, name=f"event_{slug}")
      for slug in catalogue.OPERATIONS],
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("move-in-csv/", inbox_views.move_in_csv, name="move_in_csv"),
    path("inbox/move-in-notices/", inbox_views.process_notices, name="process_notices"),
    path("approvals/", inbox_views.approval_list, name="approvals"),
    path("approvals/<int:pk>/approve/", inbox_views.approve, name="approve"),
    path("approvals/<int:pk>/reject/", inbox_views.reject, name="reject"),
    path("certificates/new/", certificate_views.certificate_new, name="certificate_new"),
    path("certificates/preview/<str:token>/", certificate_views.certificate_preview, name="certificate_preview"),
    path("certificates/<int:issue_no>/", certificate_views.certificate_detail, name="certificate"),
    path("certificates/<int:issue_no>/pdf/", certificate_views.certificate_download, name="certificate_pdf"),
    path("restrictions/", restriction_views.restriction_list, name="restrictions"),
    path("restrictions/<int:pk>/remove/", restriction_views.restriction_remove, name="restriction_remove"),
    path("restrictions/<int:pk>/lift/", restriction_views.restriction_lift, name="restriction_lift"),
    path("support-measures/", restriction_views.support_measures, name="support_measures"),
    path("support-measures/<int:pk>/confirm/", restriction_views.support_confirm, name="support_confirm"),
    path("support-measures/<int:pk>/extend/", restriction_views.support_extend, name="support_extend"),
    path("support-measures/<int:pk>/end/", restriction_views.support_end, name="support_end"),
    path("offender-reviews/", review_views.review_list, name="offender_reviews"),
    path("offender-reviews/<int:pk>/decide/", review_views.review_decide, name="offender_review_decide"),
]
