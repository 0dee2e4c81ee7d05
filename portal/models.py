"""Import every domain's models, so metadata (and Alembic) holds the whole schema."""

from portal.accounts.models import ApiToken, LoginFailure, User
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
from portal.core.audit import AuditEntry
from portal.dealers.models import Dealer
from portal.units.cards import CardOwnerChange, WarrantyCard
from portal.units.models import Unit

__all__ = [
    "ApiToken", "AuditEntry", "CardOwnerChange", "Dealer", "FaultCode", "FaultHours",
    "LabourRate", "LegalMinimum", "LoginFailure", "Part", "PolicySettings", "ProductModel",
    "Season", "Unit", "User", "WarrantyCard",
]
