from django.urls import path

from wholefamily.web.payments import views

F = "families/<str:family_id>/support-packages"

urlpatterns = [
    path(F, views.family_payments, name="family_payments"),
    path(f"{F}/request", views.request_package, name="payments_request"),
    path(f"{F}/<int:pk>/decide", views.decide_package, name="payments_decide"),
    path("budgets", views.budgets, name="budgets"),
    path("budgets/set", views.add_budget, name="budgets_set"),
    path("budgets/record-payments", views.record_payments, name="budgets_record"),
]
