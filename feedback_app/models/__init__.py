"""All models, imported here so Alembic and the app see every table."""

from .analytics import DemographicRollup, HourRollup, MonthRollup, ReasonRollup, ScoreRollup
from .base import UTCDateTime, utcnow
from .calendar import CalendarDay, CalendarImport
from .case import (
    Attachment,
    Case,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseLink,
    CaseNote,
    CaseNumberSequence,
    CaseOutcome,
    CaseState,
    DueDateRule,
    Extension,
    RehandlingTask,
    ReplyTemplate,
)
from .cycle import CaseCycle, CycleEnd
from .improvement import ImprovementAction, ImprovementState, ImprovementTarget
from .jobs import ChaseSettings, JobLease, JobRun
from .notify import Notification
from .org import City, Counter, Office, Unit
from .phone_tests import PhoneFollowup, PhoneTest, PhoneTestPlan
from .service import CounterQuestionnaire, OfficeKioskSettings, Service
from .staff_survey import StaffSurveyInvitation, StaffSurveyResponse, StaffSurveyRound
from .survey import (
    Alert,
    Answer,
    Channel,
    Device,
    QrToken,
    QuarantinedRating,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Rating,
)
from .user import UNIT_ROLES, ApiToken, LoginThrottle, Role, User

__all__ = [
    "Alert", "Answer", "ApiToken", "Attachment", "CalendarDay", "CalendarImport", "Case", "CaseCategory",
    "CaseChannel", "CaseCycle", "CaseEvent", "CaseLink", "CaseNote", "CaseNumberSequence", "CaseOutcome", "CaseState",
    "ChaseSettings", "DemographicRollup", "HourRollup", "JobLease", "JobRun", "MonthRollup", "ReasonRollup",
    "ScoreRollup",
    "Channel", "City", "Counter", "Device", "DueDateRule", "Extension", "LoginThrottle", "Notification", "Office",
    "QrToken", "QuarantinedRating",
    "Question", "Questionnaire", "QuestionnaireVersion", "Rating", "RehandlingTask", "ReplyTemplate", "Role",
    "UNIT_ROLES", "Unit", "User", "UTCDateTime", "utcnow",
    "StaffSurveyInvitation", "StaffSurveyResponse", "StaffSurveyRound",
    "CounterQuestionnaire", "OfficeKioskSettings", "Service",
    "ImprovementAction", "ImprovementState", "ImprovementTarget", "PhoneFollowup", "PhoneTest", "PhoneTestPlan",
    "CycleEnd",
]
