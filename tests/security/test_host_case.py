"""A centre's host name is matched whatever its letter case."""

from django.test import Client

from tests.conftest import publish_notice


def test_upper_case_host_serves_the_centre(centres):
    publish_notice("huangpu", title="黄浦大写主机通知", slug="host-case-notice")

    for host in ("HUANGPU.localhost", "Huangpu.LOCALHOST:8000"):
        response = Client(HTTP_HOST=host).get("/host-case-notice/")

        assert response.status_code == 200, host
        assert "黄浦大写主机通知" in response.content.decode()


def test_upper_case_base_domain_serves_the_bureau(centres):
    response = Client(HTTP_HOST="LOCALHOST").get("/login/")

    assert response.status_code == 200
