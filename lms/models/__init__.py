"""SQLAlchemy models: people and what they did. Content lives in files, not here."""

from lms.db import Base
from lms.models.api_tokens import ApiToken
from lms.models.audit import AuditEntry
from lms.models.learning import Attempt, AttemptGrant, AttemptItem, ExamVersion, ModuleProgress, TrackCompletion
from lms.models.outbox import OutboxDelivery, OutboxEvent
from lms.models.people import AgentProfile, User, UserSession
from lms.models.programs import (
    AgreementAcceptance,
    Certificate,
    HodStatistic,
    PriorCompletion,
    ProfileConfirmation,
    RegistrationCompletion,
    ReminderSent,
    Setting,
    TrackChoice,
)
from lms.models.registry import ProducerRecord

__all__ = [
    "AgentProfile", "AgreementAcceptance", "ApiToken", "Attempt", "AttemptGrant", "AttemptItem", "AuditEntry", "Base",
    "Certificate", "ExamVersion", "HodStatistic", "ModuleProgress", "OutboxDelivery", "OutboxEvent", "PriorCompletion",
    "ProducerRecord", "ProfileConfirmation", "RegistrationCompletion", "ReminderSent", "Setting",
    "TrackChoice", "TrackCompletion", "User", "UserSession",
]
