"""Small cells: a count of 1–4 people is shown as "<5"; where the breakdown adds up to a total that is shown, one
more cell in the same row (a centre) or column (a breakdown cell across centres) is hidden, until no hidden cell
can be worked out by subtraction. Breakdowns that do not add up (one person in several) hide the small cells only."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from reports.models import Indicator
from reports.periods import Period
from reports.selectors import SUPPRESSED, Cell, Grid, cell_text, facts_grids, suppress
from reports.services import centre_facts_refresh
from tests.registry.conftest import new_cadre


def grid(rows: dict[int, dict[str, float | None]], *, partition: bool = True, persons: bool = True) -> Grid:
    """A grid of one indicator: rows by centre id, each {breakdown key: value}; "" is the centre's total."""
    indicator = Indicator(code="people", kind=Indicator.Kind.COUNT, breakdown="x", persons=persons, partition=partition)
    keys = list(dict.fromkeys(k for row in rows.values() for k in row if k))
    cells = {(centre, key): Cell(value) for centre, row in rows.items() for key, value in row.items()}
    return Grid(indicator, cells=cells, keys=keys, labels={k: k for k in keys})


def hidden(made: Grid) -> set[tuple[int, str]]:
    return {key for key, cell in made.cells.items() if cell.suppressed}


def test_primary_hides_one_to_four_and_shows_zero_five_and_none():
    made = suppress(grid({1: {"": 28, "a": 0, "b": 1, "c": 4, "d": 5, "e": None, "f": 18}}, partition=False), [1])
    assert hidden(made) == {(1, "b"), (1, "c")}
    assert [cell_text(made.indicator, made.cell(1, k)) for k in ("", "a", "b", "c", "d", "e", "f")] == [
        "28",
        "0",
        SUPPRESSED,
        SUPPRESSED,
        "5",
        "—",
        "18",
    ]


def test_totals_are_never_hidden_and_figures_that_are_not_people_never_are():
    assert hidden(suppress(grid({1: {"": 3, "a": 3}}), [1])) == {(1, "a")}
    assert hidden(suppress(grid({1: {"": 6, "a": 2, "b": 4}}, persons=False), [1])) == set()


def test_the_threshold_is_the_setting_or_the_argument(settings):
    rows = {1: {"a": 2, "b": 6, "c": 9}}
    settings.JUNXIU_SMALL_CELL = 10
    assert hidden(suppress(grid(rows, partition=False), [1])) == {(1, "a"), (1, "b"), (1, "c")}
    assert hidden(suppress(grid(rows, partition=False), [1], threshold=3)) == {(1, "a")}


def test_one_hidden_cell_in_a_centre_hides_the_next_smallest_of_that_centre():
    # 2 could be worked out from the total (17) minus the others: 6, the smallest non-zero other, goes too.
    made = suppress(grid({1: {"": 17, "a": 2, "b": 0, "c": 9, "d": 6}}), [1])
    assert hidden(made) == {(1, "a"), (1, "d")}
    assert made.cell(1, "b").suppressed is False  # a zero hides nothing


def test_two_hidden_cells_in_a_centre_need_nothing_more_there():
    made = suppress(grid({1: {"a": 2, "b": 3, "c": 30}}), [1])
    assert hidden(made) == {(1, "a"), (1, "b")}


def test_rows_and_columns_until_nothing_changes():
    #        a   b   c
    # c1     3  10   7    3 is small: 7 goes with it (row c1)
    # c2    20  30  40
    # c3    12   0  25    column a then has one hidden cell: 12 goes; column c: 25 goes; row c3 has two: done
    made = suppress(
        grid({1: {"a": 3, "b": 10, "c": 7}, 2: {"a": 20, "b": 30, "c": 40}, 3: {"a": 12, "b": 0, "c": 25}}), [1, 2, 3]
    )
    assert hidden(made) == {(1, "a"), (1, "c"), (3, "a"), (3, "c")}


def test_a_column_alone_can_start_a_cascade():
    #        a   b
    # c1     2   3    both small: the row needs nothing more
    # c2     8   9    column a: 6 goes (c3); column b: 9 goes (c2); then row c3 has one hidden: 50 goes;
    # c3     6  50    row c2 has one hidden: 8 goes. Every cell ends up hidden.
    made = suppress(grid({1: {"a": 2, "b": 3}, 2: {"a": 8, "b": 9}, 3: {"a": 6, "b": 50}}), [1, 2, 3])
    assert hidden(made) == {(c, k) for c in (1, 2, 3) for k in ("a", "b")}


def test_the_second_cell_is_one_its_own_line_can_protect():
    #        a   b
    # c1     1  40    row c1: 40 goes
    # c2    12   0    column a: not 12, which c2's total (12) would give away, but 30; column b: 20
    # c3    30  20
    made = suppress(grid({1: {"a": 1, "b": 40}, 2: {"a": 12, "b": 0}, 3: {"a": 30, "b": 20}}), [1, 2, 3])
    assert hidden(made) == {(1, "a"), (1, "b"), (3, "a"), (3, "b")}


def test_a_breakdown_that_does_not_add_up_hides_the_small_cells_only():
    rows = {1: {"a": 3, "b": 10, "c": 7}, 2: {"a": 20, "b": 30, "c": 40}, 3: {"a": 12, "b": 0, "c": 25}}
    assert hidden(suppress(grid(rows, partition=False), [1, 2, 3])) == {(1, "a")}


def test_only_the_chosen_centres_count():
    rows = {1: {"a": 3, "b": 10, "c": 7}, 2: {"a": 2, "b": 30, "c": 40}}
    made = suppress(grid(rows), [2])
    assert hidden(made) == {(2, "a"), (2, "b")}  # centre 1 is not on the page: neither hidden nor used


def test_suppressing_twice_gives_the_same_cells():
    made = grid({1: {"a": 3, "b": 10, "c": 7}, 2: {"a": 20, "b": 30, "c": 40}, 3: {"a": 12, "b": 0, "c": 25}})
    first = hidden(suppress(made, [1, 2, 3]))
    assert hidden(suppress(made, [1, 2, 3])) == first


@pytest.mark.django_db
def test_suppression_of_real_facts(centres):
    """Level of huangpu's 7 cadres (6 division, 1 regiment) and putuo's 12 (all regiment), the year 2026."""
    with schema_context("huangpu"):
        for n in range(6):
            new_cadre(f"黄{n}", seq=600 + n, born=dt.date(1940, 1, 1), lives_alone=n == 0)
        new_cadre("黄团", seq=610, born=dt.date(1940, 1, 1), level="regiment")
    with schema_context("putuo"):
        for n in range(12):
            new_cadre(f"普{n}", seq=620 + n, born=dt.date(1940, 1, 1), level="regiment")
    for code in ("huangpu", "putuo"):
        centre_facts_refresh(centre=centres[code], year=2026, today=dt.date(2026, 6, 15))
    ids = [centres["huangpu"].pk, centres["putuo"].pk]
    grids = facts_grids(
        periods=[Period(2026)], codes=["cadres_level", "cadres_situation"], centre_ids=ids, breakdowns=True
    )
    level = suppress(grids[("2026", "cadres_level")], ids)
    huangpu, putuo = ids
    # huangpu: regiment 1 is small, so division 6 goes with it (nco 0 stays); column regiment: 12 goes too,
    # and then putuo's row has one hidden cell, but its others are 0: nothing left to hide.
    assert hidden(level) == {(huangpu, "regiment"), (huangpu, "division"), (putuo, "regiment")}
    assert [cell_text(level.indicator, level.cell(huangpu, k)) for k in ("division", "regiment", "nco")] == [
        SUPPRESSED,
        SUPPRESSED,
        "0",
    ]
    situation = suppress(grids[("2026", "cadres_situation")], ids)  # one person may be in several: primary only
    assert hidden(situation) == {(huangpu, "lives_alone")}
