"""The content app's models, one module per page family; every name is importable from `content.models` as before."""

from content.models.activities import ActivityPage, CoursePage, OutingReturn, SignUp, SignUpPageMixin
from content.models.articles import (
    ArticlePage,
    DigitalGuidePage,
    DisclosurePage,
    HealthArticlePage,
    HonourStoryPage,
)
from content.models.cadres import CadreAccessCode, CadreLoginCode
from content.models.directory import ServiceProviderPage
from content.models.forms import FormPage
from content.models.home import HomePage
from content.models.notices import NoticePage, PolicyPage
from content.models.sections import LIST_PAGE_SIZE, SECTION_ITEM_MODELS, SectionItemMixin, SectionPage

__all__ = [
    "LIST_PAGE_SIZE",
    "SECTION_ITEM_MODELS",
    "ActivityPage",
    "ArticlePage",
    "CadreAccessCode",
    "CadreLoginCode",
    "CoursePage",
    "DigitalGuidePage",
    "DisclosurePage",
    "FormPage",
    "HealthArticlePage",
    "HomePage",
    "HonourStoryPage",
    "NoticePage",
    "OutingReturn",
    "PolicyPage",
    "SectionItemMixin",
    "SectionPage",
    "ServiceProviderPage",
    "SignUp",
    "SignUpPageMixin",
]
