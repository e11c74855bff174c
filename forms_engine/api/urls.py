"""REST API of the forms engine (under /api/forms/)."""

from django.urls import path

from forms_engine.api import views

urlpatterns = [
    path("", views.FormListView.as_view(), name="forms-api-list"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="forms-api-submission"),
    path("submissions/<int:pk>/move/", views.SubmissionMoveView.as_view(), name="forms-api-submission-move"),
    path("<slug:key>/", views.FormDetailView.as_view(), name="forms-api-form"),
    path("<slug:key>/versions/", views.FormVersionListView.as_view(), name="forms-api-versions"),
    path("<slug:key>/versions/<int:number>/", views.FormVersionDetailView.as_view(), name="forms-api-version"),
    path("<slug:key>/submissions/", views.FormSubmissionsView.as_view(), name="forms-api-submissions"),
]
