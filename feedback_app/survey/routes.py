import uuid

from flask import current_app, render_template, request

from ..extensions import db
from ..models import utcnow
from ..services import qr
from ..services.ratings import REJECTED, SURVEY_QUESTIONNAIRE, current_version, ingest, published_version
from . import bp
from .texts import text

LANGS = ("zh_TW", "en", "vi", "id", "th")


def _lang() -> str:
    lang = request.values.get("lang", "zh_TW")
    return lang if lang in LANGS else "zh_TW"


def _answers_from_form(questions) -> dict:
    answers = {}
    for question in questions:
        name = f"q_{question.code}"
        if question.kind == "multi":
            values = request.form.getlist(name)
            if values:
                answers[question.code] = values
        else:
            value = request.form.get(name, "").strip()
            if not value:
                continue
            answers[question.code] = int(value) if question.kind == "scale5" and value.isdigit() else value
    return answers


def _render(status, template, lang, **context):
    return render_template(
        f"survey/{template}.html",
        lang=lang,
        text=lambda key: text(key, lang),
        languages=[(code, current_app.jinja_env.globals["LANGUAGE_NAMES"][code]) for code in LANGS],
        **context,
    ), status


def _link_problem(error, lang):
    key = "used" if isinstance(error, qr.SurveyLinkUsed) else "invalid"
    return _render(error.status, "message", lang, message=text(key, lang))


@bp.route("/<token>", methods=["GET", "POST"])
def form(token):
    lang = _lang()
    try:
        counter, record = qr.resolve(token, lock=request.method == "POST")
    except (qr.InvalidSurveyLink, qr.SurveyLinkUsed) as error:
        db.session.rollback()
        return _link_problem(error, lang)
    city_id = counter.office.city_id
    # Answers keep the version their form showed, even when a newer one was published while it was filled in.
    shown = request.form.get("version") if request.method == "POST" else None
    version = published_version(city_id, SURVEY_QUESTIONNAIRE, shown) or current_version(city_id, SURVEY_QUESTIONNAIRE)
    questions = version.questions
    errors, given = {}, {}
    if request.method == "POST":
        given = _answers_from_form(questions)
        raw = {
            "uuid": request.form.get("rid", ""),
            "tapped_at": utcnow().isoformat(),
            "locale": lang,
            "version": version.version,
            "answers": given,
        }
        try:
            uuid.UUID(raw["uuid"])
        except ValueError:
            raw["uuid"] = str(uuid.uuid4())
        outcome = ingest(
            qr.source_for(counter, record), [raw], before_commit=lambda outcomes: qr.spend(record, outcomes)
        )[0]
        # A conflict means the same form was sent twice: the first answer is kept, so thank them all the same.
        if outcome.status != REJECTED or outcome.reason == "conflict":
            return _render(200, "message", lang, message=text("thanks", lang), more=text("thanks_more", lang))
        errors = outcome.details or {"answers": outcome.message}
    return _render(
        400 if errors else 200,
        "form",
        lang,
        token=token,
        counter=counter,
        questions=questions,
        errors=errors,
        given=given,
        rid=request.form.get("rid") or str(uuid.uuid4()),
        version=version,
    )
