import base64

from flask import Response, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..main.nav import STAFF
from ..models import Counter
from ..services import posters, qr, service_questionnaires
from ..services.access import ensure_access, require_role, scoped
from ..services.errors import ValidationFailed
from ..services.org import open_counters_stmt
from . import bp


def _counter(counter_id: int) -> Counter:
    require_role(current_user, *STAFF)
    return ensure_access(current_user, db.session.get(Counter, counter_id))


@bp.get("/")
@login_required
def index():
    require_role(current_user, *STAFF)
    counters = db.session.scalars(scoped(open_counters_stmt(), Counter, current_user).order_by(Counter.code)).all()
    return render_template(
        "qr/index.html",
        counters=counters,
        onetime_questionnaires=service_questionnaires.service_questionnaires(current_user.city_id),
    )


@bp.get("/poster/<int:counter_id>.<any(png, svg, pdf):fmt>")
@login_required
def poster(counter_id, fmt):
    counter = _counter(counter_id)
    url = qr.survey_url(qr.counter_token(counter))
    if fmt == "png":
        body, mimetype = posters.png(url), "image/png"
    elif fmt == "svg":
        body, mimetype = posters.svg(url), "image/svg+xml"
    else:
        body, mimetype = (
            posters.pdf(url, counter.office.name, f"{counter.name}（{counter.code}）"),
            "application/pdf",
        )
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'inline; filename="survey-{counter.code}.{fmt}"'},
    )


@bp.post("/onetime")
@login_required
def onetime():
    """Mint a one-time survey link for one transaction (to print on a receipt or 一次告知單)."""
    counter = _counter(request.form.get("counter_id", type=int) or 0)
    days = request.form.get("days", type=int)
    if request.form.get("days") and days is None:
        raise ValidationFailed(details={"days": "1-90"})
    record, token = qr.mint_onetime(
        counter,
        created_by_id=current_user.id,
        days=days,
        questionnaire_id=request.form.get("questionnaire_id", type=int),
    )
    db.session.commit()
    url = qr.survey_url(token)
    image = base64.b64encode(posters.png(url)).decode()
    return render_template("qr/onetime.html", counter=counter, record=record, url=url, image=image)
