"""The staff survey's scheduled work, at midnight and each office hour: close rounds whose end date has passed, then
queue each open round's one reminder to those who have not answered (the ledger's keys make a second run queue
nothing twice; the mail waits for office hours)."""

from datetime import datetime

from feedback_app.extensions import db
from feedback_app.services import staff_survey


def staff_survey_rounds(now: datetime) -> dict:
    closed = staff_survey.close_ended_rounds(now)
    reminded = staff_survey.remind(now)
    db.session.commit()
    return {"closed": closed, "reminded": reminded}
