"""The demo's forms tell themselves apart: the bureau's pushed satisfaction survey is not titled like the standard's
survey each centre keeps for its own yearly self-evaluation (issue 15 §1: two forms of one title in the list)."""

import pytest
from django_tenants.utils import schema_context
from junxiu.management.commands.seed_demo import Command

from forms_engine.models import FormDefinition
from forms_engine.selectors import title_key

pytestmark = pytest.mark.django_db


def test_the_demo_survey_forms_have_titles_of_their_own(centres):
    Command()._survey_form(["huangpu"])
    with schema_context("huangpu"):
        titles = dict(FormDefinition.objects.values_list("key", "title"))
        assert titles["satisfaction-survey"] == "服务质量满意度测评"
        assert titles["bureau-satisfaction"] == "服务质量满意度测评（市局统一）"
        keys = [title_key(title) for title in titles.values()]
        assert len(keys) == len(set(keys)), titles
