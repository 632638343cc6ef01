import uuid

from flask import current_app, render_template, request

from ..extensions import db
from ..models import utcnow
from ..services import qr
from ..services.ratings import REJECTED, current_version, ingest, published_version
from ..services.service_questionnaires import qr_code
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


def _contact_from_form() -> dict:
    phone = request.form.get("phone", "").strip()
    email = request.form.get("email", "").strip()
    consent = request.form.get("consent") == "yes"
    return {"phone": phone or None, "email": email or None, "consent": consent, "typed": bool(phone or email)}


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
    code = qr_code(counter, record)
    version = published_version(city_id, code, shown) or current_version(city_id, code)
    questions = version.questions
    errors, given, contact, ask_consent = {}, {}, _contact_from_form(), False
    if request.method == "POST":
        given = _answers_from_form(questions)
        # Contact details typed without the consent ticked: ask on the spot rather than drop them unseen.
        answer = request.form.get("consent_answer")
        ask_consent = contact["typed"] and not contact["consent"] and answer not in ("yes", "no")
        if not ask_consent:
            dropped = contact["typed"] and answer == "no" and not contact["consent"]
            raw = {
                "uuid": request.form.get("rid", ""),
                "tapped_at": utcnow().isoformat(),
                "locale": lang,
                "version": version.version,
                "answers": given,
            }
            if contact["typed"] and not dropped:
                raw["contact"] = {"phone": contact["phone"], "email": contact["email"], "consent": True}
            try:
                uuid.UUID(raw["uuid"])
            except ValueError:
                raw["uuid"] = str(uuid.uuid4())
            outcome = ingest(
                qr.source_for(counter, record), [raw], before_commit=lambda outcomes: qr.spend(record, outcomes)
            )[0]
            # A conflict means the same form was sent twice: the first answer is kept, so thank them all the same.
            if outcome.status != REJECTED or outcome.reason == "conflict":
                return _render(
                    200,
                    "message",
                    lang,
                    message=text("thanks", lang),
                    more=text("thanks_more", lang),
                    note=text("contact_dropped", lang) if dropped else None,
                )
            errors = outcome.details or {"answers": outcome.message}
            contact["consent"] = contact["consent"] or answer == "yes"
            if dropped:  # declined: shown again without them
                contact = {"phone": None, "email": None, "consent": False, "typed": False}
    return _render(
        400 if errors else 200,
        "form",
        lang,
        token=token,
        counter=counter,
        questions=questions,
        errors=errors,
        given=given,
        contact=contact,
        ask_consent=ask_consent,
        rid=request.form.get("rid") or str(uuid.uuid4()),
        version=version,
    )
