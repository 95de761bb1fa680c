from django.urls import path

from wholefamily.web.returns import views

urlpatterns = [
    path("returns", views.index, name="returns"),
    path("returns/cin-census", views.cin_census, name="cin_census"),
    path("returns/cin-census/cin-<str:year>.xml", views.cin_download, name="cin_download"),
]
