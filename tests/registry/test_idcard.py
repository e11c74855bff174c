import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from registry.idcard import check_char, resident_id_make, resident_id_parse


def test_a_valid_number_gives_birth_date_and_gender():
    parsed = resident_id_parse("11010519491231002X")
    assert (parsed.number, parsed.birth_date, parsed.gender) == ("11010519491231002X", dt.date(1949, 12, 31), "F")


def test_born_before_the_district_code_existed_is_accepted():
    # 310115 (Pudong) exists from 1992; people born in 1940 carry it on IDs issued later.
    number = resident_id_make("310115", dt.date(1940, 5, 1), 13)
    assert resident_id_parse(number).gender == "M"


def test_abolished_shanghai_codes_are_accepted():
    number = resident_id_make("310102", dt.date(1932, 8, 1), 24)  # Nanshi district, abolished in 2000
    assert resident_id_parse(number).area_code == "310102"


def test_legacy_15_digit_numbers_are_upgraded():
    parsed = resident_id_parse("310101400501123")
    first17 = "31010119400501123"
    assert parsed.number == first17 + check_char(first17)
    assert parsed.birth_date == dt.date(1940, 5, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11010519491231002", "18"),
        ("1101051949123100XX", "18"),
        ("110105194912310021", "校验位"),
        ("110105194902300028", "不存在"),
        ("990105194912310021", "未知的地区代码"),
        ("310199194005011230", "不是上海"),
        ("310100194005011230", "不是上海"),
        (31010119400501123, "文本"),
        ("310101290005011237", "不可能"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(value, message):
    with pytest.raises(ValidationError) as excinfo:
        resident_id_parse(value)
    assert message in " ".join(excinfo.value.messages)
