"""The registry's screens in the Wagtail admin: cadre list and page, history, access log, facilities."""
