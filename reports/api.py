"""JSON API of the bureau's figures under /api/reports/ (DRF): facts, scorecards, indicator definitions."""

urlpatterns: list = []
