"""SQLAlchemy models: people and what they did. Content lives in files, not here."""

from lms.db import Base
from lms.models.audit import AuditEntry
from lms.models.learning import Attempt, AttemptGrant, ExamVersion, ModuleProgress, TrackCompletion
from lms.models.outbox import OutboxDelivery, OutboxEvent
from lms.models.people import AgentProfile, User, UserSession
from lms.models.programs import (
    AgreementAcceptance,
    Certificate,
    PriorCompletion,
    ProfileConfirmation,
    RegistrationCompletion,
    Setting,
    TrackChoice,
)
from lms.models.registry import ProducerRecord

__all__ = [
    "AgentProfile", "AgreementAcceptance", "Attempt", "AttemptGrant", "AuditEntry", "Base", "Certificate",
    "ExamVersion", "ModuleProgress", "OutboxDelivery", "OutboxEvent", "PriorCompletion", "ProducerRecord",
    "ProfileConfirmation", "RegistrationCompletion", "Setting", "TrackChoice", "TrackCompletion", "User",
    "UserSession",
]
