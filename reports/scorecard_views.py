"""The yearly scorecard (7.1.1), its drill-down and the centres' improvement actions (7.3.1): bureau pages."""

from django.http import HttpResponse
from django.urls import path

from reports.access import bureau_required


@bureau_required()
def scorecard(request):  # placeholder, replaced by the scorecard pages
    return HttpResponse("")


@bureau_required()
def actions(request):  # placeholder
    return HttpResponse("")


urlpatterns = [
    path("reports/scorecard/", scorecard, name="scorecard"),
    path("reports/actions/", actions, name="actions"),
]
