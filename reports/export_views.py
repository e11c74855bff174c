"""Workbooks (openpyxl) and PDFs (weasyprint) of the bureau's figures: made, logged and served only here."""

urlpatterns: list = []
