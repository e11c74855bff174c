"""The Citus lane (`make test-citus`): these tests run only against a Citus coordinator (JUNXIU_DATABASE_CITUS=true);
the normal suite, on the embedded server, does not collect them."""

from __future__ import annotations

from django.conf import settings

collect_ignore_glob = [] if settings.JUNXIU_DATABASE_CITUS else ["test_*.py"]
