"""The case lists return exactly the right cases, page without gaps or repeats and never cross offices."""

import pytest
from werkzeug.datastructures import MultiDict

from feedback_app.extensions import db
from feedback_app.models import CaseCategory, CaseChannel, CaseState, Role
from feedback_app.services.case_lists import CaseQuery, iter_cases, list_cases, parse_query
from feedback_app.services.errors import ValidationFailed

from .factories import make_case, taipei


def numbers(user, now=None, **args):
    query = parse_query(MultiDict(args))
    return [row.case.number for row in iter_cases(user, query, now=now or taipei(2025, 1, 24, 10), batch=3)]


def test_overdue_and_due_soon_split_at_the_end_of_the_taipei_day(org, calendar_2025):
    """Due at the end of 2025-01-24: due soon until 23:59:59 Taipei that day, overdue from 00:00 the next."""
    officer = org.users[("AA", "officer")]
    today = make_case(org.a, number="TODAY", due_at=taipei(2025, 1, 24, 23, 59, 59), assignee=officer)
    yesterday = make_case(org.a, number="YESTERDAY", due_at=taipei(2025, 1, 23, 23, 59, 59), assignee=officer)
    db.session.commit()

    late_evening = taipei(2025, 1, 24, 23, 59, 58)
    assert numbers(officer, late_evening, view="overdue") == [yesterday.number]
    assert numbers(officer, late_evening, view="due_soon") == [today.number]
    midnight = taipei(2025, 1, 25, 0, 0, 0)
    assert numbers(officer, midnight, view="overdue") == [yesterday.number, today.number]
    assert numbers(officer, midnight, view="due_soon") == []


def test_due_soon_counts_working_days_from_the_official_calendar(org, calendar_2025):
    """On Friday 2025-01-24 the next two working days are 2/3 and 2/4 (Lunar New Year lies between)."""
    officer = org.users[("AA", "officer")]
    make_case(org.a, number="D-0204", due_at=taipei(2025, 2, 4, 23, 59, 59))
    make_case(org.a, number="D-0205", due_at=taipei(2025, 2, 5, 23, 59, 59))
    make_case(org.a, number="D-0124", due_at=taipei(2025, 1, 24, 23, 59, 59))
    db.session.commit()
    assert numbers(officer, view="due_soon") == ["D-0124", "D-0204"]
    assert numbers(officer, view="due_soon", days="3") == ["D-0124", "D-0204", "D-0205"]


def test_a_make_up_saturday_is_a_working_day_for_due_soon(org, calendar_2025):
    """On Friday 2025-02-07, one working day ahead is Saturday 2/8 (補行上班), not Monday 2/10."""
    officer = org.users[("AA", "officer")]
    make_case(org.a, number="SAT", due_at=taipei(2025, 2, 8, 23, 59, 59))
    make_case(org.a, number="MON", due_at=taipei(2025, 2, 10, 23, 59, 59))
    db.session.commit()
    assert numbers(officer, taipei(2025, 2, 7, 9), view="due_soon", days="1") == ["SAT"]


def test_closed_and_transferred_cases_are_never_overdue_or_due_soon(org, calendar_2025):
    officer = org.users[("AA", "officer")]
    for state in (CaseState.CLOSED, CaseState.TRANSFERRED, CaseState.MERGED):
        make_case(org.a, number=f"PAST-{state}", due_at=taipei(2025, 1, 1, 23, 59, 59), state=state)
        make_case(org.a, number=f"SOON-{state}", due_at=taipei(2025, 1, 24, 23, 59, 59), state=state)
    make_case(org.a, number="PAST-REOPENED", due_at=taipei(2025, 1, 1, 23, 59, 59), state=CaseState.REOPENED)
    db.session.commit()
    assert numbers(officer, view="overdue") == ["PAST-REOPENED"]
    assert numbers(officer, view="due_soon") == []


def test_my_cases_unit_and_unassigned_lists(org, calendar_2025):
    """Mine: assigned to me and open by default; unit: my unit's; unassigned: received without an officer."""
    officer = org.users[("AA", "officer")]
    colleague = org.users[("AA", "supervisor")]
    due = taipei(2025, 2, 20, 23, 59, 59)
    make_case(org.a, number="MINE", due_at=due, assignee=officer)
    make_case(org.a, number="MINE-CLOSED", due_at=due, assignee=officer, state=CaseState.CLOSED)
    make_case(org.a, number="COLLEAGUE", due_at=due, assignee=colleague)
    make_case(org.a, number="NEW", due_at=due, state=CaseState.RECEIVED)
    db.session.commit()
    assert numbers(officer, view="mine") == ["MINE"]
    assert sorted(numbers(officer, view="mine", state="")) == ["MINE", "MINE-CLOSED"]
    assert numbers(officer, view="mine", state="closed") == ["MINE-CLOSED"]
    assert sorted(numbers(officer, view="unit")) == ["COLLEAGUE", "MINE"]
    assert numbers(officer, view="unassigned") == ["NEW"]
    assert sorted(numbers(officer, view="all")) == ["COLLEAGUE", "MINE", "MINE-CLOSED", "NEW"]


def test_filters_by_state_channel_category_unit_dates_and_text(org):
    officer = org.users[("AA", "officer")]
    due = taipei(2025, 2, 20, 23, 59, 59)
    category = db.session.scalar(
        db.select(CaseCategory).where(CaseCategory.city_id == org.tpe.id, CaseCategory.code == "waiting_time")
    )
    make_case(
        org.a,
        number="AA-1140121-0001",
        due_at=due,
        received_at=taipei(2025, 1, 21, 23, 59),
        channel=CaseChannel.EMAIL,
        subject="等候時間太長",
        category_id=category.id,
    )
    make_case(
        org.a,
        number="AA-1140122-0001",
        due_at=due,
        received_at=taipei(2025, 1, 22, 0, 0),
        unit_id=org.a.units[0].id,
        subject="網站無法登入 100%_done",
        external_ref="1999-778899",
    )
    make_case(
        org.a,
        number="AA-1140123-0001",
        due_at=due,
        received_at=taipei(2025, 1, 23, 8),
        state=CaseState.CLOSED,
    )
    db.session.commit()
    assert numbers(officer, channel="email") == ["AA-1140121-0001"]
    assert numbers(officer, category=str(category.id)) == ["AA-1140121-0001"]
    assert numbers(officer, unit=str(org.a.units[0].id)) == ["AA-1140122-0001"]
    assert numbers(officer, state="closed") == ["AA-1140123-0001"]
    assert numbers(officer, state="open") == ["AA-1140122-0001", "AA-1140121-0001"]
    # Dates are Taipei dates: 23:59 on 1/21 belongs to the 21st, 00:00 on 1/22 to the 22nd.
    assert numbers(officer, received_from="2025-01-22") == ["AA-1140123-0001", "AA-1140122-0001"]
    assert numbers(officer, received_to="2025-01-21") == ["AA-1140121-0001"]
    assert numbers(officer, received_from="2025-01-22", received_to="2025-01-22") == ["AA-1140122-0001"]
    assert numbers(officer, q="1140123") == ["AA-1140123-0001"]
    assert numbers(officer, q="時間太長") == ["AA-1140121-0001"]
    assert numbers(officer, q="778899") == ["AA-1140122-0001"]
    assert numbers(officer, q="%_") == ["AA-1140122-0001"]  # wildcards are searched literally
    assert numbers(officer, q="1%") == []


@pytest.mark.parametrize("view", ["overdue", "all"])
def test_keyset_pages_cover_every_case_once_even_with_equal_sort_keys(org, view):
    """25 overdue cases, many sharing due_at and received_at: pages of 4 give each exactly once, in order."""
    officer = org.users[("AA", "officer")]
    expected = []
    for i in range(25):
        case = make_case(
            org.a,
            number=f"K-{i:02d}",
            due_at=taipei(2025, 1, 10 + i % 3, 23, 59, 59),
            received_at=taipei(2025, 1, 2 + i % 2, 9),
        )
        expected.append(case)
    db.session.commit()
    if view == "overdue":
        expected.sort(key=lambda c: (c.due_at, c.id))
    else:
        expected.sort(key=lambda c: (c.received_at, c.id), reverse=True)
    seen, cursor, pages = [], "", 0
    while True:
        page = list_cases(
            officer,
            parse_query({"view": view, "per_page": "4", "cursor": cursor}),
            now=taipei(2025, 1, 24, 10),
        )
        seen += [row.case.number for row in page.rows]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [c.number for c in expected]
    assert pages == 7


def test_a_case_added_while_paging_does_not_shift_later_pages(org):
    officer = org.users[("AA", "officer")]
    for i in range(6):
        make_case(
            org.a, number=f"S-{i}", due_at=taipei(2025, 1, 10, 23, 59, 59), received_at=taipei(2025, 1, 2, 9)
        )
    db.session.commit()
    first = list_cases(officer, parse_query({"per_page": "3"}))
    make_case(
        org.a, number="S-NEWEST", due_at=taipei(2025, 1, 10, 23, 59, 59), received_at=taipei(2025, 1, 3, 9)
    )
    db.session.commit()
    second = list_cases(officer, parse_query({"per_page": "3", "cursor": first.next_cursor}))
    assert [r.case.number for r in first.rows + second.rows] == [f"S-{i}" for i in range(5, -1, -1)]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        (
            {"cursor": "eyJvIjoiZHVlIiwidCI6IjIwMjUtMDEtMDFUMDA6MDA6MDArMDA6MDAiLCJpIjoxfQ"},
            "cursor",
        ),  # a due cursor
        ({"view": "everything"}, "view"),
        ({"state": "lost"}, "state"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "abc"}, "category"),
        ({"unit": "-1"}, "unit"),
        ({"received_from": "2025-13-01"}, "received_from"),
        ({"received_from": "2025-02-01", "received_to": "2025-01-01"}, "received_to"),
        ({"view": "due_soon", "days": "0"}, "days"),
        ({"per_page": "5000"}, "per_page"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_list_settings_are_refused_naming_the_field(app, args, field):
    with pytest.raises(ValidationFailed) as raised:
        parse_query(args)
    assert field in raised.value.details


def test_a_cursor_from_a_due_list_is_refused_by_a_received_list(org):
    officer = org.users[("AA", "officer")]
    for i in range(3):
        make_case(org.a, number=f"C-{i}", due_at=taipei(2025, 1, 10, 23, 59, 59))
    db.session.commit()
    page = list_cases(officer, parse_query({"view": "overdue", "per_page": "1"}))
    with pytest.raises(ValidationFailed):
        parse_query({"view": "all", "cursor": page.next_cursor})


ALL_STAFF = [("AA", role.value) for role in Role] + [
    ("TPE", "monitor"),
    ("TPE", "director"),
    ("TPE", "admin"),
]


@pytest.mark.parametrize("who", ALL_STAFF + [("BB", "officer"), ("CC", "officer")])
def test_no_role_sees_another_offices_cases_in_any_list(org, who):
    """Office staff see their office only; city-wide staff their city's offices; never another city's."""
    user = org.users[who]
    for office in (org.a, org.b, org.c):
        make_case(
            office,
            number=f"{office.code}-SOON",
            due_at=taipei(2025, 1, 24, 23, 59, 59),
            state=CaseState.RECEIVED,
        )
        make_case(
            office,
            number=f"{office.code}-LATE",
            due_at=taipei(2025, 1, 1, 23, 59, 59),
            state=CaseState.RECEIVED,
        )
        # Even a case naming the user as officer (bad data) stays inside its office.
        make_case(
            office,
            number=f"{office.code}-MINE",
            due_at=taipei(2025, 3, 1, 23, 59, 59),
            assignee=user,
            unit_id=user.unit_id,
        )
    db.session.commit()
    visible = {"AA": {"AA"}, "BB": {"BB"}, "CC": {"CC"}, "TPE": {"AA", "BB"}}[who[0]]
    for view in ("all", "overdue", "due_soon", "unassigned", "mine", "unit"):
        if view == "unit" and user.unit_id is None:
            with pytest.raises(ValidationFailed):
                numbers(user, view=view)
            continue
        offices = {number.split("-")[0] for number in numbers(user, view=view)}
        assert offices == visible, view


def test_masking_follows_the_viewer(org):
    """Handlers and monitors see the petitioner, others 王○明 / 0912-***-678; confidential: handlers only."""
    officer, other = org.users[("AA", "officer")], org.users[("AA", "director")]
    monitor = org.users[("TPE", "monitor")]
    make_case(org.a, number="OPEN-ID", due_at=taipei(2025, 2, 20, 23, 59, 59), assignee=officer)
    make_case(
        org.a, number="SECRET", due_at=taipei(2025, 2, 20, 23, 59, 59), assignee=officer, confidential=True
    )
    db.session.commit()

    def people(user):
        page = list_cases(user, CaseQuery())
        return {row.case.number: (row.petitioner["name"], row.petitioner["phone"]) for row in page.rows}

    assert people(officer) == {"OPEN-ID": ("王小明", "0912345678"), "SECRET": ("王小明", "0912345678")}
    assert people(monitor) == {"OPEN-ID": ("王小明", "0912345678"), "SECRET": ("（身分保密）", "")}
    assert people(other) == {"OPEN-ID": ("王○明", "0912-***-678"), "SECRET": ("（身分保密）", "")}
