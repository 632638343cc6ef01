"""Dashboard, chart and table downloads, quarterly reports: read the request, call the services, render."""

import dataclasses

import sqlalchemy as sa
from flask import Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import charts
from ..extensions import db
from ..models import Counter, Office, Questionnaire, Role, Unit, utcnow
from ..services import analytics, chart_text, dashboard_cache, headline, reports, service_questionnaires
from ..services.access import can_access_office, get_scoped, require_role, visible_office_ids
from ..services.errors import AccessDenied, NotFound, ValidationFailed
from ..services.stats import Period
from . import bp

READERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
CHANNELS = {
    "separate": _l("Kiosk and QR apart"),
    "combined": _l("Kiosk and QR combined"),
    "kiosk": _l("Kiosk only"),
    "qr": _l("QR survey only"),
}
COMPARES = {
    "kind": _l("Offices of the same kind"),
    "city": _l("Whole city"),
}
FILTER_LABELS = {
    "period": _l("Period"),
    "office": _l("Office"),
    "unit": _l("Unit"),
    "counter": _l("Counter"),
    "questionnaire": _l("Questionnaire"),
    "service": _l("Service"),
    "channel": _l("Channel"),
    "compare": _l("Compared with"),
}


def _int_arg(args, name: str) -> int | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed(details={name: str(_l("Must be a number."))})
    return int(value)


def _request_query(args=None) -> tuple[analytics.Scope, Period, analytics.Selection]:
    """The scope, period and filters the query string (or `args`) asks for, within the reader's offices."""
    require_role(current_user, *READERS)
    args = request.args if args is None else args
    period = analytics.readable_period(args.get("period"))
    channel = args.get("channel") or "separate"
    if channel not in CHANNELS:
        raise ValidationFailed(details={"channel": str(_l("Unknown channel."))})
    compare = args.get("compare") or "kind"
    if compare not in COMPARES:
        raise ValidationFailed(details={"compare": str(_l("Unknown comparison."))})
    scope = analytics.scope_for(current_user, _int_arg(args, "office"))
    unit_id, counter_id = _int_arg(args, "unit"), _int_arg(args, "counter")
    if unit_id and get_scoped(Unit, unit_id, current_user).office_id not in scope.office_ids:
        raise ValidationFailed(details={"unit": str(_l("The unit is not in the chosen office."))})
    if counter_id and get_scoped(Counter, counter_id, current_user).office_id not in scope.office_ids:
        raise ValidationFailed(details={"counter": str(_l("The counter is not in the chosen office."))})
    selection = analytics.Selection(
        unit_id=unit_id,
        counter_id=counter_id,
        questionnaire_id=_int_arg(args, "questionnaire"),
        service_id=_int_arg(args, "service"),
        question=args.get("question") or "overall",
        channel=channel,
        compare=compare,
    )
    return scope, period, selection


def _cache_key(scope: analytics.Scope, period: Period, selection: analytics.Selection) -> tuple:
    """What a page's figures are kept under: the offices counted (already checked against the reader), the period,
    the filters and the language."""
    return (
        tuple(scope.office_ids),
        scope.office.id if scope.office else None,
        period.key,
        dataclasses.astuple(selection),
        str(get_locale()),
    )


def _linked_board() -> tuple[analytics.Dashboard | None, str, tuple]:
    """For a chart or table the dashboard links to (its `v=` names the page's figures): the figures kept for it,
    or counted again when this worker has not kept them; with their digest and the permission-checked query."""
    query = _request_query()
    key = _cache_key(*query)
    board = dashboard_cache.kept_board(key, request.args.get("v"))
    if board is not None:
        return board, request.args["v"], query
    board = analytics.dashboard(*query)
    return board, dashboard_cache.keep_board(key, board, str(get_locale())), query


def _choices(board: analytics.Dashboard) -> dict:
    offices = db.session.scalars(
        sa.select(Office).where(Office.id.in_(visible_office_ids(current_user))).order_by(Office.code)
    ).all()
    scope_ids = board.scope.office_ids
    questionnaires = db.session.scalars(
        sa.select(Questionnaire)
        .where(Questionnaire.city_id == board.scope.city.id, Questionnaire.kind.in_(("counter", "kiosk")))
        .order_by(Questionnaire.code)
    ).all()
    return {
        "offices": offices,
        "units": db.session.scalars(
            sa.select(Unit).where(Unit.office_id.in_(scope_ids)).order_by(Unit.id)
        ).all()
        if board.scope.office
        else [],
        "counters": db.session.scalars(
            sa.select(Counter).where(Counter.office_id.in_(scope_ids)).order_by(Counter.code)
        ).all()
        if board.scope.office
        else [],
        "questionnaires": questionnaires,
        "services": service_questionnaires.services_for(board.scope.city.id),
        "questions": analytics.question_labels(board.scope.city),
        "channels": CHANNELS,
        "compares": COMPARES,
        "periods": Period.containing(utcnow()).trailing(8)[::-1],
    }


@bp.get("/")
@login_required
def dashboard():
    """The dashboard; filters it cannot read come back beside the form, over the current quarter's figures."""
    args, error, status = request.args, None, 200
    try:
        query = _request_query()
    except ValidationFailed as refused:
        args, error, status = {}, refused, 400
        query = _request_query(args)
    key = _cache_key(*query)
    reused = dashboard_cache.reused_board(key, current_app.config["DASHBOARD_REUSE_SECONDS"])
    if reused is not None:
        board, version = reused
    else:
        board = analytics.dashboard(*query)
        version = dashboard_cache.keep_board(key, board, str(get_locale()))
    return render_template(
        "analytics/dashboard.html",
        board=board,
        headline=headline.dashboard_row(board),
        tables=reports.tables(board),
        charts=reports.chart_titles(board),
        findings=chart_text.findings(board, reports.chart_titles(board)),
        chart_tables=chart_text.CHART_TABLES,
        choices=_choices(board),
        args=args,
        link_args={**{k: v for k, v in args.items() if k != "v"}, "v": version},
        error=error,
        field_labels=FILTER_LABELS,
        typed=request.args,
    ), status


@bp.get("/chart/<name>.<fmt>")
@login_required
def chart(name: str, fmt: str):
    """One chart for print (SVG or PDF) or the page (PNG), with the dashboard's filters.

    Drawn once per set of figures and served with an ETag; under the page's own link (`v=` naming the figures
    drawn) the browser may keep it for a day, as that URL never names other figures."""
    if fmt not in FORMATS or name not in reports.CHART_TITLES:
        raise NotFound()
    asked = request.args.get("v")
    if asked and dashboard_cache.etag(asked, name, fmt) in request.if_none_match:
        _request_query()  # the reader may still read these offices
        return _chart_response(b"", name, fmt, asked, asked, status=304)
    board, version, _ = _linked_board()
    if name not in reports.chart_titles(board):
        raise NotFound()
    if dashboard_cache.etag(version, name, fmt) in request.if_none_match:
        return _chart_response(b"", name, fmt, version, asked, status=304)
    data = dashboard_cache.chart_bytes(version, name, fmt, lambda: charts.render(reports.figure(board, name), fmt))
    return _chart_response(data, name, fmt, version, asked, filename=f"{name}-{board.period.key}.{fmt}")


def _chart_response(
    data: bytes, name: str, fmt: str, version: str, asked: str | None, status: int = 200, filename: str = ""
) -> Response:
    response = Response(data, status=status, mimetype=FORMATS[fmt])
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(dashboard_cache.etag(version, name, fmt))
    response.headers["Cache-Control"] = "private, max-age=86400" if version == asked else "private, no-cache"
    return response


@bp.get("/table/<key>.csv")
@login_required
def table_csv(key: str):
    board, _, _ = _linked_board()
    table = next((t for t in reports.tables(board) if t.key == key), None)
    if table is None:
        raise NotFound()
    return Response(
        reports.table_csv(table),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{key}-{board.period.key}.csv"'},
    )


@bp.get("/reports", endpoint="reports")
@login_required
def reports_index():
    require_role(current_user, *READERS)
    offices = db.session.scalars(
        sa.select(Office).where(Office.id.in_(visible_office_ids(current_user))).order_by(Office.code)
    ).all()
    quarters = Period.containing(utcnow()).trailing(8)[::-1]
    return render_template(
        "analytics/reports.html", offices=offices, quarters=quarters, city_wide=current_user.office_id is None
    )


@bp.get("/reports/<target>/<int:year>-Q<int:quarter>.<fmt>")
@login_required
def quarterly_report(target: str, year: int, quarter: int, fmt: str):
    """The quarter's report for one office (by code) or the whole city ("city"), as .ods or .pdf."""
    require_role(current_user, *READERS)
    if fmt not in ("ods", "pdf") or not 1 <= quarter <= 4:
        raise NotFound()
    if target == "city":
        if current_user.office_id is not None:
            raise AccessDenied()
        subject = analytics.scope_for(current_user).city
    else:
        office = db.session.scalar(sa.select(Office).where(Office.code == target))
        if office is None:
            raise NotFound()
        if not can_access_office(current_user, office.id):
            raise AccessDenied()
        subject = office
    try:
        report = reports.build_quarterly_report(subject, year, quarter)
    except ValueError:
        raise NotFound() from None
    mimetype = "application/vnd.oasis.opendocument.spreadsheet" if fmt == "ods" else "application/pdf"
    return Response(
        report.ods() if fmt == "ods" else report.pdf(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{report.filename}.{fmt}"'},
    )
