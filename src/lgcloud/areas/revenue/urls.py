from django.urls import path

from lgcloud.areas.revenue import views

app_name = "revenue"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/<int:person_no>/", views.account, name="account"),
    path("accounts/<int:person_no>/payments/", views.post_payment, name="post_payment"),
    path("accounts/<int:person_no>/plans/", views.create_plan, name="create_plan"),
    path("accounts/<int:person_no>/contacts/", views.record_contact, name="record_contact"),
    path("refunds/<int:pk>/decide/", views.decide_refund, name="decide_refund"),
    path("bills/<int:pk>/slip/", views.payment_slip, name="payment_slip"),
    path("bills/<int:pk>/reduce/", views.reduce_bill, name="reduce_bill"),
    path("rates/", views.rates, name="rates"),
    path("group-rates/", views.group_rates, name="group_rates"),
    path("arrears/", views.arrears, name="arrears"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/issue/", views.issue_reminders, name="issue_reminders"),
    path("reminders/<int:pk>/pdf/", views.reminders_pdf, name="reminders_pdf"),
    path("payments/", views.unmatched, name="unmatched"),
    path("payments/<int:pk>/", views.payment, name="payment"),
    path("files/", views.upload, name="upload"),
]
