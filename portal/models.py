"""Import every domain's models, so metadata (and Alembic) holds the whole schema."""

from portal.accounts.models import ApiToken, LoginFailure, User
from portal.analytics.models import GradeReview
from portal.cases.models import SanbaoCase
from portal.catalog.models import (
    FaultCode,
    FaultHours,
    LabourRate,
    LegalMinimum,
    Part,
    PolicySettings,
    ProductModel,
    Season,
)
from portal.claims.models import Claim, ClaimAttachment, ClaimLine, UnitFlag
from portal.core.audit import AuditEntry
from portal.core.jobs import ScheduledRun
from portal.core.numbering import DocumentCounter
from portal.dealers.models import Dealer
from portal.deliveries.models import DeliveryLine, DeliveryNote
from portal.finance.models import (
    CaseSettlement,
    LedgerEntry,
    NoticeCase,
    NoticeClaim,
    NoticeDocument,
    NoticeRun,
    WriteOffNotice,
)
from portal.planning.models import StockingPlan, StockingPlanLine
from portal.quality.models import AlertRun, BatchAlert
from portal.reports.models import WeeklyReport
from portal.returns.models import (
    OwedPart,
    ReturnShipment,
    ShipmentLine,
    StoreItem,
    VerdictPhoto,
)
from portal.service.models import (
    Complaint,
    ReturnVisit,
    ServiceRequest,
    VisitDayTally,
    VisitTally,
)
from portal.stock.models import StockReturn
from portal.units.cards import CardOwnerChange, WarrantyCard
from portal.units.holidays import OfficialDay
from portal.units.models import Unit

__all__ = [
    "AlertRun", "BatchAlert", "GradeReview", "WeeklyReport",
    "ApiToken", "AuditEntry", "CardOwnerChange", "Claim", "ClaimAttachment", "ClaimLine",
    "Complaint", "Dealer", "DeliveryLine", "DeliveryNote", "DocumentCounter", "FaultCode",
    "FaultHours", "LabourRate", "LedgerEntry", "LegalMinimum", "LoginFailure", "NoticeClaim",
    "NoticeDocument", "NoticeRun", "OwedPart", "Part", "PolicySettings", "ProductModel",
    "ReturnShipment", "ReturnVisit", "SanbaoCase", "Season", "ServiceRequest", "ShipmentLine",
    "StockReturn",
    "StockingPlan", "StockingPlanLine", "StoreItem", "Unit", "UnitFlag", "User", "VerdictPhoto",
    "VisitDayTally", "VisitTally", "WarrantyCard", "WriteOffNotice",
    "OfficialDay", "CaseSettlement", "NoticeCase", "ScheduledRun",
]
