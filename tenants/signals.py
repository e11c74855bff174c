"""Signals of the tenants app, for the apps above it (tenants imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `code` (the centre's schema) once a backup has been restored into it (in place or as a copy): whatever an
# app keeps outside the schema about the centre's data (cached pages, say) is stale.
centre_restored = Signal()
