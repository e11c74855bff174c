"""A synthetic year of one centre for the benchmarks (bench/reports.py, bench/citus.py): rest homes, cadres, the due
items of three rules, surveys and complaints, made in SQL inside the centre's schema.

Every draw is a hash of the centre's code and the row's place (RAND below), not random(): the same centre gets the
same year on any server, so figures computed on plain PostgreSQL and on Citus can be compared exactly.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection, transaction
from django_tenants.utils import schema_context

from forms_engine.library import form_from_template
from forms_engine.models import FormDefinition
from forms_engine.services import form_publish
from notifications.models import ReminderRule
from registry.crypto import encrypt
from reports.periods import Period

YEAR = 2026
TODAY = dt.date(2026, 11, 27)  # the figures are as of this day; the synthetic year runs up to it


def _rand(sql: str) -> str:
    """RAND[key] → a number in [0, 1) drawn from md5(key): deterministic, and the same on every PostgreSQL node."""
    return re.sub(r"RAND\[([^][]*)\]", r"(('x' || substr(md5(\1), 1, 8))::bit(32)::bigint / 4294967296.0)", sql)


CADRES_SQL = """
INSERT INTO registry_cadre (name, name_pinyin, name_initials, gender, birth_date, id_number, id_hash, phone, mobile,
    address, photo, level, kind, branch, rank, lives_alone, childless, bedridden, disabled, dementia, in_care_home,
    care_home_name, service_needs, nursing_fee_status, medical_subsidy_status, party_member, party_branch,
    party_relation, state, received_on, deceased_on, notes, created_at, updated_at, rest_home_id, mobile_hash)
SELECT '基准' || g.i, 'jizhun' || g.i, 'jz', CASE WHEN g.r1 < 0.85 THEN 'M' ELSE 'F' END,
    date '1926-01-01' + (g.r2 * 365 * 38)::int, %(cipher)s, md5(%(code)s || '-' || g.i), '', '', '', '',
    (ARRAY['division', 'regiment', 'nco'])[1 + floor(g.r3 * 3)::int],
    CASE WHEN g.r4 < 0.3 THEN 'lixiu' ELSE 'tuixiu' END,
    '', '', g.r5 < 0.08, g.r6 < 0.05, g.r7 < 0.05, g.r8 < 0.05, g.r9 < 0.03, g.r10 < 0.04, '', '', 'none', 'none',
    g.r4 < 0.6, '', '',
    CASE WHEN g.s < 0.03 THEN 'abroad' WHEN g.s < 0.07 THEN 'deceased' ELSE 'active' END,
    CASE WHEN g.s > 0.95 THEN %(start)s::date + (g.r1 * %(days)s)::int END,
    CASE WHEN g.s >= 0.03 AND g.s < 0.07 THEN %(start)s::date + (g.r2 * %(days)s)::int END,
    '', now(), now(), h.homes[1 + floor(g.r3 * 997)::int %% 3], ''
FROM (
    SELECT i, RAND[%(code)s || i || 'r1'] r1, RAND[%(code)s || i || 'r2'] r2, RAND[%(code)s || i || 'r3'] r3,
        RAND[%(code)s || i || 'r4'] r4, RAND[%(code)s || i || 'r5'] r5, RAND[%(code)s || i || 'r6'] r6,
        RAND[%(code)s || i || 'r7'] r7, RAND[%(code)s || i || 'r8'] r8, RAND[%(code)s || i || 'r9'] r9,
        RAND[%(code)s || i || 'r10'] r10, RAND[%(code)s || i || 's'] s
    FROM generate_series(1, %(n)s) i
) g, (SELECT array_agg(id ORDER BY id) AS homes FROM registry_resthome) h
"""

HOMES_SQL = """
INSERT INTO registry_resthome (name, address, phone, building_area)
SELECT '第' || i || '休养所', '', '', 800 + floor(RAND[%(code)s || ':home:' || i] * 1500) FROM generate_series(1, 3) i;
INSERT INTO registry_facilityroom (rest_home_id, room_type, name, floor_area)
SELECT h.id, t, '', CASE WHEN t = 'meeting' THEN 60 + floor(RAND[%(code)s || h.name || t || ':area'] * 240)
    ELSE 8 + floor(RAND[%(code)s || h.name || t || ':area'] * 40) END
FROM registry_resthome h
CROSS JOIN unnest(ARRAY['calligraphy', 'chess', 'gym', 'computer', 'archive', 'honour', 'meeting', 'reading']) t
WHERE RAND[%(code)s || h.name || t] < 0.6;
"""

# Items of one rule for the cadres it concerns, one per period (key, start, due): past items mostly done on time,
# some late (noted the next morning), a few waived, the rest missed and escalated; not yet due: some done early.
ITEMS_SQL = """
INSERT INTO notifications_dueitem (rule_id, subject_type, subject_id, period_key, period_start, due_on, state,
    escalation_level, done_at, fulfilled_by, waived_reason, created_at, updated_at)
SELECT %(rule)s, 'cadre', q.id, q.key, q.start, q.due,
    CASE WHEN q.due < %(today)s THEN
        CASE WHEN q.x < 0.90 THEN 'done' WHEN q.x < 0.92 THEN 'waived' ELSE 'escalated' END
    ELSE CASE WHEN q.x < 0.3 THEN 'done' ELSE 'open' END END,
    CASE WHEN q.due < %(today)s AND q.x >= 0.92 THEN 1 ELSE 0 END,
    CASE WHEN q.due >= %(today)s AND q.x < 0.3 THEN (%(today)s::date - 3 + time '10:00') AT TIME ZONE 'Asia/Shanghai'
         WHEN q.x < 0.86 THEN (q.due + time '16:00') AT TIME ZONE 'Asia/Shanghai'
         WHEN q.x < 0.90 THEN (q.due + 1 + time '09:00') AT TIME ZONE 'Asia/Shanghai' END,
    CASE WHEN q.x < 0.90 THEN 'form' ELSE '' END,
    CASE WHEN q.due < %(today)s AND q.x >= 0.90 AND q.x < 0.92 THEN '住院' ELSE '' END,
    now(), now()
FROM (
    SELECT c.id, p.key, p.start, p.due, RAND[%(code)s || ':' || %(rule_key)s || ':' || c.name || ':' || p.key] AS x
    FROM registry_cadre c CROSS JOIN ({periods}) AS p(key, start, due)
    WHERE c.state = 'active' AND ({subjects})
) q
"""
DAILY = (
    "SELECT to_char(d, 'YYYY-MM-DD'), d::date, d::date "
    "FROM generate_series(%(start)s::date, %(today)s::date - 1, interval '1 day') d"
)
QUARTERS = "VALUES " + ", ".join(
    f"('{p.key}', date '{p.start}', date '{p.end}')" for p in (Period(YEAR, "quarter", q) for q in range(1, 5))
)
WHOLE_YEAR = f"VALUES ('{YEAR}', date '{YEAR}-01-01', date '{YEAR}-12-31')"
RULES = {
    "daily-call": (DAILY, "c.lives_alone OR c.childless"),
    "quarterly-visit": (QUARTERS, "c.lives_alone OR c.childless OR c.bedridden"),
    "yearly-check-up": (WHOLE_YEAR, "true"),
}

SURVEYS_SQL = """
INSERT INTO forms_engine_submission (form_id, version_id, data, state, receipt, channel, created_at, updated_at,
    review_reason)
SELECT %(form)s, %(version)s,
    jsonb_build_object('year', %(year)s, 'method', 'democratic', 'overall', s.a, 'q_attitude', s.b::text,
        'q_response', s.c::text, 'q_visits', s.d::text, 'q_health', s.e::text, 'q_activities', s.a::text,
        'q_information', s.b::text),
    'submitted', substr(md5(%(code)s || ':survey:' || s.i), 1, 12), 'admin', s.at, s.at, ''
FROM (
    SELECT i, 2 + floor(RAND[%(code)s || ':sa:' || i] * 4)::int AS a,
        1 + floor(RAND[%(code)s || ':sb:' || i] * 5)::int AS b, 3 + floor(RAND[%(code)s || ':sc:' || i] * 3)::int AS c,
        2 + floor(RAND[%(code)s || ':sd:' || i] * 4)::int AS d, 1 + floor(RAND[%(code)s || ':se:' || i] * 5)::int AS e,
        (%(start)s::date + floor(RAND[%(code)s || ':sat:' || i] * %(days)s)::int + time '10:00')
            AT TIME ZONE 'Asia/Shanghai' AS at
    FROM generate_series(1, %(n)s) i
) s
"""

# Complaints: received during the year, most answered within 1–25 days (some then closed), a few escalated or open.
COMPLAINTS_SQL = """
WITH c AS (
    SELECT i, (ARRAY['on_site', 'phone', 'letter', 'internet'])[1 + floor(RAND[%(code)s || ':cch:' || i] * 4)::int]
            AS channel,
        (%(start)s::date + floor(RAND[%(code)s || ':crc:' || i] * %(days)s)::int + time '09:00')
            AT TIME ZONE 'Asia/Shanghai' AS received,
        RAND[%(code)s || ':cx:' || i] AS x, 1 + RAND[%(code)s || ':cad:' || i] * 24 AS answer_days,
        RAND[%(code)s || ':ccd:' || i] * 10 AS close_days
    FROM generate_series(1, %(n)s) i
), made AS (
    INSERT INTO forms_engine_submission (form_id, version_id, data, state, receipt, channel, created_at, updated_at,
    review_reason)
    SELECT %(form)s, %(version)s,
        jsonb_build_object('channel', c.channel,
            'received_at', to_char(c.received AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI'),
            'content', '反映问题', 'feedback_given', c.x < 0.6, 'serious', c.x > 0.97),
        CASE WHEN c.x < 0.5 THEN 'closed' WHEN c.x < 0.85 THEN 'answered' WHEN c.x < 0.9 THEN 'escalated'
             ELSE 'received' END,
        substr(md5(%(code)s || ':complaint:' || c.i), 1, 12), 'admin', c.received, c.received, ''
    FROM c
    RETURNING id, state, created_at
), answers AS (
    SELECT m.id, m.state, m.created_at + c.answer_days * interval '1 day' AS answered,
        m.created_at + (c.answer_days + c.close_days) * interval '1 day' AS closed
    FROM made m JOIN c ON c.received = m.created_at AND m.id IS NOT NULL
)
INSERT INTO forms_engine_submissionchange (submission_id, kind, field, old, new, text, at)
SELECT id, 'state', 'state', '"handling"'::jsonb, '"answered"'::jsonb, '', answered
FROM answers WHERE state IN ('answered', 'closed')
UNION ALL
SELECT id, 'state', 'state', '"answered"'::jsonb, '"closed"'::jsonb, '', closed FROM answers WHERE state = 'closed'
"""


CADRES_SQL, HOMES_SQL, ITEMS_SQL, SURVEYS_SQL, COMPLAINTS_SQL = map(
    _rand, (CADRES_SQL, HOMES_SQL, ITEMS_SQL, SURVEYS_SQL, COMPLAINTS_SQL)
)


def centre_fill(code: str, cadres: int, survey_template: str) -> None:
    """One centre's synthetic year, in SQL (a handful of statements), inside its schema."""
    start = dt.date(YEAR, 1, 1)
    days = (TODAY - start).days
    with schema_context(code), transaction.atomic():
        complaint = form_from_template(template_key="complaint")
        form_publish(form=complaint)
        complaint.refresh_from_db()
        survey = FormDefinition.objects.get(bureau_template=survey_template)
        rules = dict(ReminderRule.objects.values_list("key", "pk"))
        base = {"code": code, "start": start, "today": TODAY, "days": days, "year": YEAR}
        with connection.cursor() as cursor:
            cursor.execute(HOMES_SQL, base)
            cursor.execute(CADRES_SQL, {**base, "n": cadres, "cipher": encrypt("310101194001010011")})
            for key, (periods, subjects) in RULES.items():
                cursor.execute(
                    ITEMS_SQL.format(periods=periods, subjects=subjects),
                    {**base, "rule": rules[key], "rule_key": key},
                )
            cursor.execute(
                SURVEYS_SQL, {**base, "form": survey.pk, "version": survey.current_version_id, "n": cadres // 2}
            )
            cursor.execute(
                COMPLAINTS_SQL,
                {**base, "form": complaint.pk, "version": complaint.current_version_id, "n": max(cadres // 10, 1)},
            )
