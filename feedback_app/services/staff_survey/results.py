"""Results of a closed staff survey round by office and unit, with the citizens' statistics (services/stats.py) and
small cells suppressed.

A group of fewer than MIN_CELL answers is never shown, on the page, in the .ods or the .pdf: its figures are "—".
A total less what is shown under it gives the hidden groups under it together, so a total is hidden too when those
would be fewer than MIN_CELL answers: an office's total when its hidden units hold 1–4 answers together, the city's
when the hidden units of its hidden offices do."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Office, StaffSurveyResponse, StaffSurveyRound, Unit
from .. import stats
from ..stats import Period, ScoreCounts
from .rounds import counts

MIN_CELL = 5  # fewer answers than this could identify a colleague


@dataclass
class ResultRow:
    level: str  # "total" | "office" | "unit"
    office: str
    unit: str
    sat: stats.Satisfaction
    suppressed: bool = False
    change: stats.Growth | None = None
    key: tuple = ()


@dataclass
class RoundResults:
    round: StaffSurveyRound
    rows: list[ResultRow] = field(default_factory=list)
    invited: int = 0
    answered: int = 0
    previous: StaffSurveyRound | None = None

    @property
    def any_suppressed(self) -> bool:
        return any(r.suppressed for r in self.rows)


def _cells(round_id: int, office_ids: list[int] | None) -> dict[tuple, ScoreCounts]:
    stmt = (sa.select(StaffSurveyResponse.office_id, StaffSurveyResponse.unit_id, StaffSurveyResponse.score,
                      sa.func.count())
            .where(StaffSurveyResponse.round_id == round_id)
            .group_by(StaffSurveyResponse.office_id, StaffSurveyResponse.unit_id, StaffSurveyResponse.score))
    if office_ids is not None:
        stmt = stmt.where(StaffSurveyResponse.office_id.in_(office_ids))
    cells: dict[tuple, ScoreCounts] = {}
    for office_id, unit_id, score, n in db.session.execute(stmt):
        cell = cells.setdefault((office_id, unit_id), ScoreCounts())
        if 1 <= score <= 5:
            cell.counts[score - 1] += n
    return cells


def _hidden_remainder(units: list[ResultRow]) -> int:
    """Answers in the hidden ones of these groups, which a shown total above them gives away together."""
    return sum(u.sat.n for u in units if u.suppressed)


def _too_small(remainder: int) -> bool:
    return 0 < remainder < MIN_CELL


def _rows(round_id: int, office_ids: list[int] | None) -> list[ResultRow]:
    cells = _cells(round_id, office_ids)
    offices = {o.id: o.name for o in db.session.scalars(
        sa.select(Office).where(Office.id.in_([k[0] for k in cells if k[0] is not None])))}
    units = {u.id: u.name for u in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_([k[1] for k in cells if k[1] is not None])))}
    city_wide = str(_l("City-wide staff"))
    no_unit = str(_l("No unit (office heads)"))
    by_office: dict = {}
    for (office_id, unit_id), counts_ in cells.items():
        by_office.setdefault(office_id, {})[unit_id] = counts_

    def row(level, office_id, unit_id, counts_):
        sat = stats.satisfaction(counts_)
        return ResultRow(level, offices.get(office_id, city_wide) if office_id else city_wide,
                         units.get(unit_id, "—") if unit_id else no_unit, sat, 0 < sat.n < MIN_CELL,
                         key=(level, office_id, unit_id))

    total = ScoreCounts()
    for counts_ in cells.values():
        total = total.add(counts_)
    total_row = row("total", None, None, total)
    total_row.office, total_row.unit = str(_l("All answers")), ""
    office_blocks = []
    for office_id in sorted(by_office, key=lambda i: (i is None, offices.get(i, ""))):
        units_of = by_office[office_id]
        office_total = ScoreCounts()
        for counts_ in units_of.values():
            office_total = office_total.add(counts_)
        office_row = row("office", office_id, None, office_total)
        office_row.unit = str(_l("Whole office"))
        unit_rows = [row("unit", office_id, unit_id, c)
                     for unit_id, c in sorted(units_of.items(), key=lambda kv: units.get(kv[0], ""))]
        office_blocks.append((office_row, unit_rows))
    # An office's total less its shown units gives its hidden units together.
    for office_row, unit_rows in office_blocks:
        if _too_small(_hidden_remainder(unit_rows)):
            office_row.suppressed = True
    # The city's total less the shown offices, and less the shown units of the hidden ones, gives the hidden units
    # of the hidden offices together (a shown office's hidden units are given away already, and are 0 or ≥ 5).
    if _too_small(sum(_hidden_remainder(units) for office_row, units in office_blocks if office_row.suppressed)):
        total_row.suppressed = True
    rows = [total_row] if len(office_blocks) > 1 else []
    for office_row, unit_rows in office_blocks:
        rows.append(office_row)
        if len(unit_rows) > 1 or (unit_rows and unit_rows[0].key[2] is not None):
            rows.extend(unit_rows)
    return rows


def previous_round(survey_round: StaffSurveyRound) -> StaffSurveyRound | None:
    """The closed round before this one that covered the same offices (the office's own, or the city's)."""
    stmt = sa.select(StaffSurveyRound).where(
        StaffSurveyRound.city_id == survey_round.city_id, StaffSurveyRound.closed_at.is_not(None),
        StaffSurveyRound.ends_on < survey_round.starts_on, StaffSurveyRound.id != survey_round.id)
    if survey_round.office_id is not None:
        stmt = stmt.where(sa.or_(StaffSurveyRound.office_id == survey_round.office_id,
                                 StaffSurveyRound.office_id.is_(None)))
    else:
        stmt = stmt.where(StaffSurveyRound.office_id.is_(None))
    return db.session.scalar(stmt.order_by(StaffSurveyRound.ends_on.desc(), StaffSurveyRound.id.desc()).limit(1))


def round_results(survey_round: StaffSurveyRound, office_ids: list[int] | None = None) -> RoundResults:
    """A round's figures by office and unit (within office_ids when given), each against the previous round's
    same group where both are shown."""
    results = RoundResults(survey_round, _rows(survey_round.id, office_ids))
    results.invited, results.answered = counts(survey_round.id)
    results.previous = previous_round(survey_round)
    if results.previous is not None:
        before = {r.key: r for r in _rows(results.previous.id, office_ids)}
        for r in results.rows:
            old = before.get(r.key)
            if old is not None and not r.suppressed and not old.suppressed:
                r.change = stats.growth(r.sat.rate, old.sat.rate)
    return results


def round_for_period(city_id: int, office_ids: list[int], period: Period, single_office: bool):
    """The latest closed round that ended in the period and covers the scope (a city scope reads city rounds)."""
    stmt = sa.select(StaffSurveyRound).where(
        StaffSurveyRound.city_id == city_id, StaffSurveyRound.closed_at.is_not(None),
        StaffSurveyRound.ends_on >= period.start_local.date(), StaffSurveyRound.ends_on <= period.last_day)
    if single_office:
        stmt = stmt.where(sa.or_(StaffSurveyRound.office_id.in_(office_ids), StaffSurveyRound.office_id.is_(None)))
    else:
        stmt = stmt.where(StaffSurveyRound.office_id.is_(None))
    return db.session.scalar(stmt.order_by(StaffSurveyRound.ends_on.desc(), StaffSurveyRound.id.desc()).limit(1))


def staff_table(board):
    """The dashboard's and the quarterly report's staff section: the period's latest closed round, suppressed."""
    from ..reports import Cell, Table, _flag, interval, num, pct, points

    scope = board.scope
    table = Table(
        "staff",
        str(_l("Staff satisfaction (internal customers)")),
        [str(_l("Office")), str(_l("Unit")), str(_l("Valid answers")), str(_l("Satisfaction")),
         str(_l("95% interval")), str(_l("vs previous round")), str(_l("Sample"))],
    )
    survey_round = round_for_period(scope.city.id, scope.office_ids, board.period, scope.office is not None)
    if survey_round is None:
        table.note = str(_l("No staff survey round closed in this period. %(span)s", span=board.footnote))
        return table
    results = round_results(survey_round, scope.office_ids if scope.office is not None else None)
    hidden = Cell("—")
    for r in results.rows:
        name = [Cell(r.office, r.office), Cell(r.unit, r.unit)]
        if r.suppressed:
            table.rows.append(name + [hidden, hidden, hidden, hidden, Cell("")])
            continue
        table.rows.append(name + [num(r.sat.n), pct(r.sat.rate), interval(r.sat.low, r.sat.high),
                                  points(r.change) if r.change else Cell("—"), _flag(r.sat.too_few)])
    notes = [str(_l("Round %(title)s (%(start)s – %(end)s): %(answered)d of %(invited)d staff answered.",
                    title=survey_round.title, start=survey_round.starts_on.isoformat(),
                    end=survey_round.ends_on.isoformat(), answered=results.answered, invited=results.invited))]
    if results.previous is not None:
        notes.append(str(_l("Compared with the round %(title)s.", title=results.previous.title)))
    notes.append(str(_l("—: fewer than %(n)d answers, or a total that would let such a group be worked out; not "
                        "shown so that no colleague can be identified.", n=MIN_CELL)))
    notes.append(board.footnote)
    table.note = " ".join(notes)
    return table
