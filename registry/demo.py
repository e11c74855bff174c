"""Synthetic demo people for the current centre: rest homes, staff, cadres and their records. No real persons.

Everything is derived from the seed and the person's index, so running again with the same seed adds nothing
that is already there (cadres are matched by the keyed hash of their made-up ID number).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pghistory
from django.db import transaction

from registry.crypto import lookup_hash
from registry.idcard import resident_id_make, shanghai_area_codes
from registry.models import Cadre, FacilityRoom, FamilyMember, HealthCheck, RestHome, Staff, StaffTraining, TripAbroad
from registry.phones import mobile_hash
from registry.pinyin import name_search_keys

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "国建军明志德文华平海林荣祥庆富永伟强忠勇立新振兴利春光学宝成福生全安宏涛毅坚武胜东"
GIVEN_FEMALE = "秀英兰芳玉珍华丽萍桂凤梅霞琴云红敏静淑惠娟燕莉雪琳洁美月素彩"
REST_HOMES = ["第一休养所", "第二休养所", "第三休养所", "第四休养所", "第五休养所"]
BRANCHES = ["陆军", "海军", "空军", "火箭军", "武警部队", "战略支援部队"]
RANKS = {"division": ["大校", "上校"], "regiment": ["中校", "少校", "上尉"], "nco": ["一级军士长", "二级军士长"]}
STREETS = ["南京东路", "淮海中路", "西藏南路", "中山南路", "复兴东路", "延安东路", "河南南路", "金陵东路"]
DESTINATIONS = ["新加坡", "日本", "澳大利亚", "加拿大", "美国", "德国", "新西兰"]
FINDINGS = ["血压偏高", "血糖偏高", "血脂异常", "甲状腺结节", "心电图异常"]
DEMO_CONTEXT = {"command": "seed_demo"}
BORN = (dt.date(1925, 1, 1), dt.date(1960, 12, 31))
NEWCOMERS_BORN = (dt.date(1962, 1, 1), dt.date(1965, 12, 31))  # retiring now
HOSPITALS = ["瑞金医院", "华山医院", "中山医院", "第六人民医院", "仁济医院", "长征医院", "第九人民医院"]


@dataclass(frozen=True)
class Shares:
    """How common each situation is among a centre's demo cadres; the defaults are a typical district."""

    lives_alone: float = 0.15
    childless: float = 0.3  # of those living alone
    bedridden: float = 0.05
    disabled: float = 0.06
    dementia: float = 0.04
    in_care_home: float = 0.05


DEFAULT_SHARES = Shares()


def _rng(key: str) -> random.Random:
    """A generator seeded by a key: the same key always gives the same person."""
    return random.Random(key)  # noqa: S311 - reproducible demo data, not security


def _name(rng: random.Random, gender: str) -> str:
    chars = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    given = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _area_codes() -> list[str]:
    """Shanghai's county-level codes, including the abolished ones older people's IDs carry."""
    return sorted(code for code in shanghai_area_codes() if not code.endswith("00"))


def demo_rest_homes_ensure(*, seed: int = 1) -> list[RestHome]:
    """Three to five rest homes, each with two liaisons and a doctor (made-up names)."""
    rng = _rng(f"rest-homes:{seed}")
    homes = []
    for index, name in enumerate(REST_HOMES[: rng.randint(3, 5)]):
        home, _created = RestHome.objects.get_or_create(
            name=name,
            defaults={
                "address": f"上海市{rng.choice(STREETS)}{rng.randint(1, 800)}号",
                "phone": f"021-{rng.randrange(10**8):08d}",
                "building_area": Decimal(rng.randint(1500, 4000)),
            },
        )
        homes.append(home)
        for role, count in ((Staff.Role.LIAISON, 2), (Staff.Role.MEDICAL, 1)):
            for n in range(count):
                staff_rng = _rng(f"staff:{seed}:{index}:{role}:{n}")
                gender = staff_rng.choice("MF")
                Staff.objects.get_or_create(
                    name=_name(staff_rng, gender),
                    rest_home=home,
                    role=role,
                    defaults={"phone": _mobile(staff_rng)},
                )
    return homes


def _cadre_build(
    rng: random.Random,
    index: int,
    homes: list[RestHome],
    liaisons: dict[int, list[Staff]],
    taken,
    shares: Shares = DEFAULT_SHARES,
    born_between: tuple[dt.date, dt.date] = BORN,
):
    gender = "M" if rng.random() < 0.85 else "F"
    born = _date_between(rng, *born_between)
    area = rng.choice(_area_codes())
    sequence = rng.randrange(500) * 2 + (1 if gender == "M" else 0)  # the 17th digit is odd for men
    number = resident_id_make(area, born, sequence)
    while number in taken:  # a clash with an earlier demo person: the next number of the same gender
        sequence = (sequence + 2) % 1000
        number = resident_id_make(area, born, sequence)
    taken.add(number)
    level = rng.choices(["division", "regiment", "nco"], weights=[2, 6, 2])[0]
    home = homes[index % len(homes)]
    lives_alone = rng.random() < shares.lives_alone
    in_care_home = rng.random() < shares.in_care_home
    name = _name(rng, gender)
    name_pinyin, name_initials = name_search_keys(name)
    state = rng.choices(["active", "abroad", "deceased"], weights=[95, 2, 3])[0]
    retired = born + dt.timedelta(days=365 * rng.randint(55, 62))
    cadre = Cadre(
        name=name,
        name_pinyin=name_pinyin,
        name_initials=name_initials,
        gender=gender,
        birth_date=born,
        id_number=number,
        id_hash=lookup_hash(number),
        phone=f"021-{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
        mobile=(mobile := _mobile(rng) if rng.random() < 0.8 else ""),
        mobile_hash=mobile_hash(mobile),
        address=f"上海市{rng.choice(STREETS)}{rng.randint(1, 999)}弄{rng.randint(1, 60)}号{rng.randint(101, 1804)}室",
        level=level,
        kind="lixiu" if born.year < 1932 else rng.choices(["tuixiu", "lixiu"], weights=[9, 1])[0],
        branch=rng.choice(BRANCHES),
        rank=rng.choice(RANKS[level]),
        transfer_in_date=min(retired, dt.date(2024, 12, 31)),
        rest_home=home,
        liaison=rng.choice(liaisons[home.pk]) if liaisons.get(home.pk) else None,
        lives_alone=lives_alone,
        childless=lives_alone and rng.random() < shares.childless,
        bedridden=rng.random() < shares.bedridden,
        disabled=rng.random() < shares.disabled,
        dementia=rng.random() < shares.dementia,
        in_care_home=in_care_home,
        care_home_name="上海市第一社会福利院" if in_care_home else "",
        nursing_fee_status=rng.choices(["none", "applied", "approved"], weights=[8, 1, 1])[0],
        medical_subsidy_status=rng.choices(["none", "applied", "approved"], weights=[7, 1, 2])[0],
        party_member=rng.random() < 0.8,
        state=state,
        received_on=min(retired, dt.date(2024, 12, 31)),
        deceased_on=_date_between(rng, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) if state == "deceased" else None,
    )
    return _consistent(cadre, home, _rng(f"{name}:{number}").random())


# The demo's people never contradict themselves. The rules, applied after the random draws (so that the same seed
# still gives the same names, dates and ID numbers):
# - a party member's organisational relationship is in the centre (a branch of their rest home), held by letter or
#   elsewhere, never "not a party member"; a non-member has neither a relationship nor a branch;
# - 离休 (lixiu) means service before 1 October 1949: only cadres born by 1935; everyone younger is 退休 (tuixiu);
# - the retired-NCO ranks (军士长) date from 1999: only cadres born from 1950 retired as NCOs, older ones as officers;
# - a cadre living abroad lives in no Shanghai care home; one in a care home does not live alone at home;
# - a nursing fee is applied for or paid only for someone bedridden, disabled or with dementia;
# - trips abroad: none for a bedridden cadre, none that ends after the cadre's death; the centre's check-ups are for
#   cadres living here (not abroad, not deceased).
LIXIU_BORN_BY = 1935
NCO_BORN_FROM = 1950
PARTY_RELATIONS = (("here", 8), ("letter", 1), ("elsewhere", 1))


def _consistent(cadre: Cadre, home: RestHome, draw: float) -> Cadre:
    """Apply the rules above to a freshly drawn cadre; `draw` (0–1) picks the party relationship."""
    if cadre.party_member:
        relations = [relation for relation, weight in PARTY_RELATIONS for _n in range(weight)]
        cadre.party_relation = relations[int(draw * len(relations)) % len(relations)]
        cadre.party_branch = f"{home.name}党支部" if cadre.party_relation != "elsewhere" else ""
    else:
        cadre.party_relation, cadre.party_branch = "", ""
    if cadre.birth_date.year > LIXIU_BORN_BY:
        cadre.kind = Cadre.Kind.TUIXIU
    if cadre.level == Cadre.Level.NCO and cadre.birth_date.year < NCO_BORN_FROM:
        cadre.level = Cadre.Level.REGIMENT
        cadre.rank = RANKS["regiment"][int(draw * len(RANKS["regiment"])) % len(RANKS["regiment"])]
    if cadre.state == Cadre.State.ABROAD:
        cadre.in_care_home, cadre.care_home_name = False, ""
    if cadre.in_care_home:
        cadre.lives_alone = False
    if not (cadre.bedridden or cadre.disabled or cadre.dementia):
        cadre.nursing_fee_status = Cadre.BenefitStatus.NONE
    return cadre


def _records_build(rng: random.Random, cadre: Cadre, *, checks_2025: bool = True) -> tuple[list, list, list]:
    family, trips, checks = [], [], []
    surname = cadre.name[0]
    if not cadre.childless:
        if not cadre.lives_alone and rng.random() < 0.7:
            spouse_gender = "F" if cadre.gender == "M" else "M"
            family.append(
                FamilyMember(
                    cadre=cadre,
                    name=_name(rng, spouse_gender),
                    relation="配偶",
                    phone=_mobile(rng),
                    lives_with_cadre=True,
                )
            )
        for _child in range(rng.randint(1, 2)):
            child_gender = rng.choice("MF")
            family.append(
                FamilyMember(
                    cadre=cadre,
                    name=surname + _name(rng, child_gender)[1:],
                    relation="儿子" if child_gender == "M" else "女儿",
                    phone=_mobile(rng),
                    address=f"上海市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                )
            )
    if family:
        family[-1].is_emergency_contact = True
    if rng.random() < 0.08:
        departs = _date_between(rng, dt.date(2024, 1, 1), dt.date(2025, 10, 1))
        returned = departs + dt.timedelta(days=rng.randint(7, 60))
        trip = TripAbroad(
            cadre=cadre,
            destination=rng.choice(DESTINATIONS),
            purpose="探亲",
            departs_on=departs,
            returns_on=returned,
            returned_on=returned,
            passport_handed_in_on=returned + dt.timedelta(days=rng.randint(1, 9))
            if cadre.level == "division"
            else None,
        )
        if not cadre.bedridden and not (cadre.deceased_on and returned >= cadre.deceased_on):
            trips.append(trip)
    if checks_2025 and cadre.state != "deceased" and rng.random() < 0.6:
        abnormal = rng.random() < 0.2
        check = HealthCheck(
            cadre=cadre,
            year=2025,
            date=_date_between(rng, dt.date(2025, 3, 1), dt.date(2025, 11, 30)),
            institution="区中心医院",
            result="abnormal" if abnormal else "normal",
            findings=rng.choice(FINDINGS) if abnormal else "",
            follow_up_done=abnormal and rng.random() < 0.5,
        )
        if cadre.state == Cadre.State.ACTIVE:
            checks.append(check)
    return family, trips, checks


def _liaisons(homes: list[RestHome]) -> dict[int, list[Staff]]:
    liaisons: dict[int, list[Staff]] = {}
    for staff in Staff.objects.filter(rest_home__in=homes, role=Staff.Role.LIAISON, user__isnull=True).order_by("pk"):
        liaisons.setdefault(staff.rest_home_id, []).append(staff)
    return liaisons


@transaction.atomic
def demo_registry_create(
    *, cadres: int, seed: int = 1, shares: Shares = DEFAULT_SHARES, with_history: bool = False
) -> int:
    """Make demo rest homes, staff and `cadres` people with family, trips and check-ups; returns how many were new.

    `with_history`: the demo's history records deaths and check-ups as they happen, so everyone starts alive and
    without this year's check-up.
    """
    homes = demo_rest_homes_ensure(seed=seed)
    liaisons = _liaisons(homes)
    taken: set[str] = set()
    people = []
    for index in range(cadres):
        rng = _rng(f"cadre:{seed}:{index}")
        cadre = _cadre_build(rng, index, homes, liaisons, taken, shares)
        if with_history and cadre.state == Cadre.State.DECEASED:
            cadre.state, cadre.deceased_on = Cadre.State.ACTIVE, None
        people.append((cadre, rng))
    existing = set(Cadre.objects.filter(id_hash__in=[c.id_hash for c, _ in people]).values_list("id_hash", flat=True))
    people = [(cadre, rng) for cadre, rng in people if cadre.id_hash not in existing]
    if not people:
        return 0
    with pghistory.context(**DEMO_CONTEXT):
        Cadre.objects.bulk_create([cadre for cadre, _rng in people], batch_size=500)
        family, trips, checks = [], [], []
        for cadre, rng in people:
            f, t, c = _records_build(rng, cadre, checks_2025=not with_history)
            family += f
            trips += t
            checks += c
        FamilyMember.objects.bulk_create(family, batch_size=1000)
        TripAbroad.objects.bulk_create(trips, batch_size=1000)
        HealthCheck.objects.bulk_create(checks, batch_size=1000)
    return len(people)


@transaction.atomic
def demo_staff_link(*, user, role: str, seed: int = 1) -> Staff:
    """Give a demo login its staff profile; a liaison works in the first rest home, so "my cadres" has people."""
    homes = demo_rest_homes_ensure(seed=seed)
    staff_role = {"caseworker": Staff.Role.LIAISON, "centre_admin": Staff.Role.HEAD}.get(role, Staff.Role.OTHER)
    staff, _created = Staff.objects.update_or_create(
        user=user,
        defaults={
            "name": user.first_name or user.username,
            "role": staff_role,
            "rest_home": homes[0] if staff_role == Staff.Role.LIAISON else None,
        },
    )
    if staff_role == Staff.Role.LIAISON:
        # The demo liaison answers for the first rest home's cadres (from its invented colleagues), so today's
        # worklist and "my cadres" show real work.
        with pghistory.context(**DEMO_CONTEXT):
            Cadre.objects.filter(rest_home=homes[0], liaison__user__isnull=True).update(liaison=staff)
    return staff


def demo_newcomer_create(*, seed: int, index: int, arrives_on: dt.date, shares: Shares = DEFAULT_SHARES) -> Cadre:
    """A synthetic cadre retiring now and handed over to the centre on `arrives_on`, not yet received."""
    homes = demo_rest_homes_ensure(seed=seed)
    rng = _rng(f"newcomer:{seed}:{index}")
    taken = set()  # a clash with a cadre already there is refused by the unique keyed hash
    cadre = _cadre_build(rng, index, homes, _liaisons(homes), taken, shares, NEWCOMERS_BORN)
    cadre.state, cadre.deceased_on, cadre.kind = Cadre.State.ACTIVE, None, Cadre.Kind.TUIXIU
    cadre.transfer_in_date, cadre.received_on = arrives_on, None
    with pghistory.context(**DEMO_CONTEXT):
        cadre.save()
        family, _trips, _checks = _records_build(rng, cadre, checks_2025=False)
        FamilyMember.objects.bulk_create(family)
    return cadre


def demo_health_checks_add(*, checks: list[tuple[int, dt.date]], seed: int = 1) -> int:
    """Record yearly check-ups (cadre id, day) with made-up results: about one in five finds something."""
    rows = []
    for cadre_id, day in checks:
        rng = _rng(f"check:{seed}:{cadre_id}:{day.isoformat()}")
        abnormal = rng.random() < 0.2
        rows.append(
            HealthCheck(
                cadre_id=cadre_id,
                year=day.year,
                date=day,
                institution=rng.choice(HOSPITALS),
                result=HealthCheck.Result.ABNORMAL if abnormal else HealthCheck.Result.NORMAL,
                findings=rng.choice(FINDINGS) if abnormal else "",
                follow_up_done=abnormal and rng.random() < 0.6,
            )
        )
    with pghistory.context(**DEMO_CONTEXT):
        HealthCheck.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


TRAINING_TOPICS = {
    StaffTraining.Kind.PROFESSIONAL: "军休服务管理业务培训",
    StaffTraining.Kind.SECURITY: "安全保密教育",
}


def demo_trainings_add(*, trainings: list[tuple[int, str, dt.date]]) -> int:
    """Record staff trainings (staff id, kind, day)."""
    rows = [
        StaffTraining(staff_id=staff_id, kind=kind, topic=TRAINING_TOPICS.get(kind, str(kind)), date=day, hours=4)
        for staff_id, kind, day in trainings
    ]
    StaffTraining.objects.bulk_create(rows)
    return len(rows)


def demo_facilities_ensure(*, cadres: int, area_per_cadre: float, short_rooms: tuple[str, ...] = (), seed: int = 1):
    """Rooms of every Table 1 type and the rest homes' building area, once: enough for `cadres`, except the room
    types named short (below the minimum) and a building area of `area_per_cadre` m² per cadre."""
    from registry.admin_ui.facilities import TABLE_1, cadre_band

    if FacilityRoom.objects.exists():
        return 0
    homes = demo_rest_homes_ensure(seed=seed)
    rng = _rng(f"facilities:{seed}")
    band = cadre_band(cadres) or 0
    shares = [rng.uniform(0.8, 1.2) for _home in homes]
    total = Decimal(cadres * area_per_cadre)
    with pghistory.context(**DEMO_CONTEXT):
        for home, share in zip(homes, shares, strict=True):
            home.building_area = (total * Decimal(share / sum(shares))).quantize(Decimal(1))
            home.save(update_fields=["building_area"])
    rooms = []
    for room_type, minimums in TABLE_1.items():
        factor = rng.uniform(0.5, 0.85) if room_type in short_rooms else rng.uniform(1.05, 1.8)
        area = Decimal(minimums[band] * factor).quantize(Decimal(1))
        parts = 2 if area >= 60 and rng.random() < 0.5 else 1  # a big room type split over two rest homes
        for _part in range(parts):
            rooms.append(
                FacilityRoom(
                    rest_home=homes[len(rooms) % len(homes)],
                    room_type=room_type,
                    floor_area=(area / parts).quantize(Decimal("0.01")),
                )
            )
    rooms.append(
        FacilityRoom(rest_home=homes[0], room_type=FacilityRoom.RoomType.OTHER, name="心理咨询室", floor_area=20)
    )
    FacilityRoom.objects.bulk_create(rooms)
    return len(rooms)
