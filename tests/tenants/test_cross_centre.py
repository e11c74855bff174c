"""centres_query runs one UNION ALL over the centre schemas and tags each row with its centre."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.selectors import centres_query
from tests.conftest import publish_notice

pytestmark = pytest.mark.django_db

NOTICES = "SELECT count(*) AS notices FROM {schema}.content_noticepage"


def test_counts_per_centre_in_one_query(centres):
    for i in range(3):
        publish_notice("huangpu", title=f"通知{i}", slug=f"n{i}")
    publish_notice("putuo", title="通知", slug="n")
    with CaptureQueriesContext(connection) as captured:
        rows = centres_query(query=NOTICES)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 2  # the centre list, then the one UNION ALL
    assert statements[1].count("UNION ALL") == 2
    assert rows == [
        {"centre": "changning", "notices": 0},
        {"centre": "huangpu", "notices": 3},
        {"centre": "putuo", "notices": 1},
    ]


def test_chosen_centres_and_parameters(centres):
    publish_notice("huangpu", title="体检通知", slug="a")
    publish_notice("huangpu", title="活动通知", slug="b")
    rows = centres_query(
        query="SELECT title FROM {schema}.wagtailcore_page WHERE title LIKE %s ORDER BY title",
        params=["%通知"],
        schemas=["huangpu", "putuo"],
    )
    assert rows == [{"centre": "huangpu", "title": "体检通知"}, {"centre": "huangpu", "title": "活动通知"}]


def test_refuses_schemas_that_are_not_centres(centres):
    for bad in (["public"], ["centre_template"], ['huangpu"; DROP SCHEMA putuo; --']):
        with pytest.raises(ValueError, match="not a centre schema"):
            centres_query(query=NOTICES, schemas=bad)
    assert centres_query(query=NOTICES, schemas=[]) == []
    assert connection.schema_name == "public"
