"""The cadre roster's columns, in one place: each field with its kind, its header and the other ways people write
that header (the aliases), and how a header is normalised before it is looked up."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from registry.models import Cadre

SHEET_TITLE = gettext_lazy("Cadre roster")
HELP_SHEET_TITLE = gettext_lazy("Instructions")
# Words people write for a level or kind besides the labels themselves.
CHOICE_ALIASES = {
    "level": {"军士": "nco", "退休军士": "nco", "团级及以下": "regiment", "团以下": "regiment"},
    "kind": {"离": "lixiu", "退": "tuixiu"},
    "gender": {"男性": "M", "女性": "F"},
    "state": {"在册": "active"},
}
# Headers other systems and caseworkers write for each field, besides the template's own header (in Chinese and
# English) and the field's name. Compared after header_key(): spaces, "*", brackets and a trailing note such as
# （必填） or (yyyy-mm-dd) do not count, nor does case.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "干部姓名", "老干部姓名", "军休干部姓名"),
    "id_number": ("身份证号", "身份证号码", "身份证", "公民身份号码", "公民身份证号", "证件号码", "身份号码"),
    "gender": ("性别",),
    "birth_date": ("出生年月", "出生日期", "出生年月日", "生日"),
    "level": ("级别", "职级", "待遇级别", "享受待遇级别", "待遇"),
    "kind": ("离休/退休", "离退休", "类别", "离退休类别", "离退休类型", "人员类别", "离休退休"),
    "rest_home": ("休养所", "所属休养所", "休养所名称", "所在休养所", "管理休养所"),
    "liaison": ("联络员", "责任联络员", "联络人"),
    "phone": ("联系电话", "电话", "固定电话", "家庭电话", "座机", "电话号码"),
    "mobile": ("手机", "手机号码", "手机号", "移动电话"),
    "address": ("住址", "家庭住址", "居住地址", "现住址", "现居住地址", "地址", "家庭地址"),
    "transfer_in_date": ("移交日期", "移交时间", "接收日期", "移交年月"),
    "branch": ("军种",),
    "rank": ("军衔",),
    "lives_alone": ("独居", "是否独居"),
    "childless": ("孤老", "是否孤老"),
    "bedridden": ("长期卧床", "是否长期卧床", "卧床"),
    "disabled": ("失能", "是否失能"),
    "dementia": ("失智", "是否失智"),
    "in_care_home": ("入住养老机构", "是否入住养老机构"),
    "care_home_name": ("养老机构名称", "养老机构", "入住养老机构名称"),
    "party_member": ("党员", "是否党员", "中共党员"),
    "party_branch": ("党支部", "所在党支部", "所属党支部"),
    "state": ("状态", "在册状态"),
    "service_needs": ("服务需求",),
    "notes": ("备注", "说明"),
}
IGNORE = ""  # what a mapping gives a column that is to be left out

_NOTE = re.compile(r"\([^()]*\)$")


def header_key(text: object) -> str:
    """A header as it is compared: full-width forms folded (NFKC), no spaces or asterisks, no trailing note in
    brackets (such as （必填）), lower case."""
    key = unicodedata.normalize("NFKC", str(text or ""))
    key = re.sub(r"[\s*＊:：]", "", key).replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    while True:
        stripped = _NOTE.sub("", key)
        if stripped == key or not stripped:
            break
        key = stripped
    return key.lower()


@dataclass(frozen=True)
class Column:
    field: str
    kind: str  # text, id, phone, date, bool, choice, rest_home, liaison
    required: bool = False
    keep_if_empty: bool = False  # an empty cell leaves the stored value (derived or defaulted fields)
    label: Promise | None = None
    width: int = 12

    @property
    def header(self) -> str:
        return str(self.label or Cadre._meta.get_field(self.field).verbose_name)

    def headers_known(self) -> set[str]:
        """The header in the current language, in Chinese and in English, the field's name and its aliases."""
        names = {self.header, self.field, *HEADER_ALIASES.get(self.field, ())}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(self.header)
        return {header_key(name) for name in names}


COLUMNS: list[Column] = [
    Column("name", "text", required=True, label=gettext_lazy("Full name")),
    Column("id_number", "id", required=True, width=22),
    Column("gender", "choice", keep_if_empty=True),
    Column("birth_date", "date", keep_if_empty=True),
    Column("level", "choice", required=True, width=14),
    Column("kind", "choice", required=True, label=gettext_lazy("Retirement kind")),
    Column("rest_home", "rest_home", width=16),
    Column("liaison", "liaison"),
    Column("phone", "phone", width=16),
    Column("mobile", "phone", width=16),
    Column("address", "text", width=30),
    Column("transfer_in_date", "date"),
    Column("branch", "text"),
    Column("rank", "text"),
    Column("lives_alone", "bool", width=8),
    Column("childless", "bool", width=8),
    Column("bedridden", "bool", width=8),
    Column("disabled", "bool", width=8),
    Column("dementia", "bool", width=8),
    Column("in_care_home", "bool", width=8),
    Column("care_home_name", "text", label=gettext_lazy("Care home name"), width=16),
    Column("party_member", "bool", width=8),
    Column("party_branch", "text", width=16),
    Column("state", "choice", keep_if_empty=True),
    Column("service_needs", "text", width=20),
    Column("notes", "text", width=20),
]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
CHOICES = {"gender": Cadre.Gender, "level": Cadre.Level, "kind": Cadre.Kind, "state": Cadre.State}
TEXT_COLUMNS = {"id_number", "phone", "mobile"}  # formatted as text so Excel keeps every digit


def headers_known() -> dict[str, Column]:
    """Every normalised header that names a column."""
    known: dict[str, Column] = {}
    for column in COLUMNS:
        for name in column.headers_known():
            known.setdefault(name, column)
    return known


def choice_labels(choices) -> list[str]:
    return [str(label) for value, label in choices.choices if value]
