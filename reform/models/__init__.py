"""Models, one module per aggregate; importing this registers them all."""

from reform.models.appraisal import (
    Appeal,
    Assignment,
    ExplanationRequest,
    Recusal,
    ResultsVersion,
)
from reform.models.audit import AuditEvent
from reform.models.ballots import (
    Ballot,
    BallotCandidate,
    BallotItem,
    BallotReceipt,
    BallotVoter,
)
from reform.models.campaigns import Campaign, CampaignBlock
from reform.models.commendation import (
    Award,
    CatalogueVersion,
    Initiative,
    InitiativeAuthor,
)
from reform.models.emulation import Cluster, ClusterMember, Movement, MovementDocument
from reform.models.frameworks import Criterion, Framework
from reform.models.history import HistoricalResult
from reform.models.notifications import Notification
from reform.models.people import (
    AgencyClassification,
    Classification,
    DisqualifyingFact,
    PeopleSettings,
    Person,
    PersonPeriod,
    PersonStatusChange,
    PersonTask,
)
from reform.models.pledges import Pledge, PledgeSignature
from reform.models.registrations import RegisteredPerson, Registration
from reform.models.submissions import Entry, Evidence, StoredFile, Submission
from reform.models.titles import Title
from reform.models.units import Block, Unit
from reform.models.users import ROLES, User, UserRole, UserSession

__all__ = [
    "ROLES",
    "AgencyClassification",
    "Appeal",
    "Assignment",
    "ExplanationRequest",
    "Recusal",
    "ResultsVersion",
    "AuditEvent",
    "Award",
    "Ballot",
    "BallotCandidate",
    "BallotItem",
    "BallotReceipt",
    "BallotVoter",
    "Block",
    "Campaign",
    "CampaignBlock",
    "CatalogueVersion",
    "Cluster",
    "ClusterMember",
    "Criterion",
    "Entry",
    "Evidence",
    "Framework",
    "HistoricalResult",
    "Initiative",
    "InitiativeAuthor",
    "Movement",
    "MovementDocument",
    "Notification",
    "Classification",
    "DisqualifyingFact",
    "PeopleSettings",
    "Person",
    "PersonPeriod",
    "PersonStatusChange",
    "PersonTask",
    "Pledge",
    "PledgeSignature",
    "RegisteredPerson",
    "Registration",
    "StoredFile",
    "Submission",
    "Title",
    "Unit",
    "User",
    "UserRole",
    "UserSession",
]
