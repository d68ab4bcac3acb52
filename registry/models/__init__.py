"""All table models, imported here so that SQLModel.metadata is complete."""

from registry.models.adverse_event import (
    AdverseEvent,
    AdverseEventCreate,
    AdverseEventRead,
    Death,
    DeathCreate,
    DeathRead,
)
from registry.models.audit import AuditEvent, AuditEventRead
from registry.models.economics import (
    OutcomeAgreement,
    OutcomeAgreementRead,
    ResourceUse,
    ResourceUseRead,
    UnitCost,
    UnitCostRead,
)
from registry.models.episode import (
    ApheresisCreate,
    InfusionCreate,
    LotLink,
    NotInfusedCreate,
    TreatmentEpisode,
    TreatmentEpisodeRead,
)
from registry.models.followup import FollowUp, FollowUpCreate, FollowUpRead
from registry.models.patient import Patient, PatientCreate, PatientRead
from registry.models.product import (
    ManufacturingLot,
    ManufacturingLotCreate,
    ManufacturingLotRead,
    Product,
    ProductRead,
)
from registry.models.query import (
    DataQuery,
    DataQueryCreate,
    DataQueryMessage,
    DataQueryMessageRead,
    DataQueryRead,
)
from registry.models.site import Site, SiteCreate, SiteRead
from registry.models.user import User, UserCreate, UserRead
from registry.models.workspace import AnalysisRun, SavedCohort

__all__ = [
    "AdverseEvent",
    "AnalysisRun",
    "AdverseEventCreate",
    "AdverseEventRead",
    "ApheresisCreate",
    "AuditEvent",
    "AuditEventRead",
    "DataQuery",
    "DataQueryCreate",
    "DataQueryMessage",
    "DataQueryMessageRead",
    "DataQueryRead",
    "Death",
    "DeathCreate",
    "DeathRead",
    "FollowUp",
    "FollowUpCreate",
    "FollowUpRead",
    "InfusionCreate",
    "LotLink",
    "ManufacturingLot",
    "ManufacturingLotCreate",
    "ManufacturingLotRead",
    "NotInfusedCreate",
    "OutcomeAgreement",
    "OutcomeAgreementRead",
    "Patient",
    "PatientCreate",
    "PatientRead",
    "Product",
    "ProductRead",
    "ResourceUse",
    "ResourceUseRead",
    "SavedCohort",
    "Site",
    "SiteCreate",
    "SiteRead",
    "TreatmentEpisode",
    "TreatmentEpisodeRead",
    "UnitCost",
    "UnitCostRead",
    "User",
    "UserCreate",
    "UserRead",
]
