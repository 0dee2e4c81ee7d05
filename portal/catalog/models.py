"""Product models, parts, labour, travel bands, policy settings and seasons."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Money, starts_with
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.dealers.models import DealerGrade
from portal.extensions import db


class ModelCategory(TitledEnum):
    TRACTOR_LARGE = "tractor_large", _l("Tractor > 18 kW")
    TRACTOR_SMALL = "tractor_small", _l("Tractor ≤ 18 kW")
    COMBINE = "combine", _l("Combine harvester")
    DIESEL_ENGINE = "diesel_engine", _l("Multi-cylinder diesel engine")
    # The rest of the 2010 regulation's 附件1 (第二十四条); their legal rows come from a migration.
    DIESEL_SINGLE = "diesel_single", _l("Single-cylinder diesel engine")
    PETROL_TWO_STROKE = "petrol_two_stroke", _l("Two-stroke petrol engine")
    PETROL_FOUR_STROKE = "petrol_four_stroke", _l("Four-stroke petrol engine")
    RICE_TRANSPLANTER = "rice_transplanter", _l("Rice transplanter")
    OTHER = "other", _l("Other machine")


class PartKind(TitledEnum):
    MAIN = "main", _l("Main part")
    WEAR = "wear", _l("Wear part")
    OTHER = "other", _l("Other part")


class FaultSeverity(TitledEnum):
    """How grave a fault is, in the regulation's words (its definitions, 附则: a serious
    problem ruins an important function, scraps a main part or endangers people; any other is
    general)."""

    SERIOUS = "serious", _l("Serious quality problem")
    GENERAL = "general", _l("General quality problem")


class SeasonKind(TitledEnum):
    OPERATING = "operating", _l("Operating season")
    SELLING = "selling", _l("Selling season")


part_models = sa.Table(
    "part_models",
    db.metadata,
    sa.Column("part_id", sa.ForeignKey("parts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "model_id", sa.ForeignKey("product_models.id", ondelete="CASCADE"), primary_key=True,
        index=True,
    ),
)


class LegalMinimum(db.Model):
    """The legal minimum 三包 periods per model category (editable reference data)."""

    __tablename__ = "legal_minimums"

    category: Mapped[ModelCategory] = mapped_column(enum_column(ModelCategory), primary_key=True)
    whole_months: Mapped[int]
    main_parts_months: Mapped[int | None]
    main_parts_named: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def audit_label(self) -> str:
        return self.category.title

    @property
    def id(self) -> str:
        return self.category.value


class DiscountRate(db.Model):
    """One row of the maker's discount standard (折扣标准, 退货折扣): for a machine of this
    category returned in an exchange or refund after ``from_month`` whole months in use (and
    fewer than the next row's), the maker credits the dealer ``rate`` per cent of its dealer
    price. Set by the maker per product (seed 000, 资金流); editable reference data."""

    __tablename__ = "discount_rates"

    category: Mapped[ModelCategory] = mapped_column(enum_column(ModelCategory), primary_key=True)
    from_month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rate = mapped_column(sa.Numeric(5, 2), nullable=False)  # per cent, 0 < rate ≤ 100

    @property
    def audit_label(self) -> str:
        return f"{self.category.title} {self.from_month}"

    @property
    def percent(self) -> str:
        """The rate as written: 95, 92.5."""
        return f"{self.rate.normalize():f}"

    @property
    def id(self) -> str:
        """The audit trail keeps a category's standard as one record, whatever its rows."""
        return self.category.value


class ProductModel(VersionedRecord, db.Model):
    __tablename__ = "product_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[ModelCategory] = mapped_column(enum_column(ModelCategory), index=True)
    whole_months: Mapped[int]
    main_parts_months: Mapped[int]
    wear_parts_months: Mapped[int]
    running_in_hours: Mapped[int]
    main_parts_named: Mapped[str] = mapped_column(sa.Text, default="")
    # 经销价: what the maker invoices a dealer for one machine; the basis of what it credits
    # for a machine returned in an exchange or refund case (portal/cases/settlement.py).
    dealer_price = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(default=True)

    parts = relationship("Part", secondary=part_models, back_populates="models",
                         order_by="Part.part_number")

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"


class Part(VersionedRecord, db.Model):
    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    kind: Mapped[PartKind] = mapped_column(enum_column(PartKind), index=True)
    price = mapped_column(Money, nullable=False)
    return_required: Mapped[bool] = mapped_column(default=True)
    warranty_months: Mapped[int | None]
    supplier: Mapped[str] = mapped_column(sa.String(120), default="")
    watched: Mapped[bool] = mapped_column(default=False)  # claims on it need a person
    key_part: Mapped[bool] = mapped_column(default=False)  # watched by batch early warning
    # Routine consumption per working unit and season (wear parts: filters, belts, blades),
    # added to the failure rate when a stocking plan is suggested.
    season_consumption = mapped_column(sa.Numeric(8, 3), nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    models = relationship("ProductModel", secondary=part_models, back_populates="parts",
                          order_by="ProductModel.code")

    @property
    def audit_label(self) -> str:
        return f"{self.part_number} {self.name}"

    @classmethod
    def matching(cls, q: str):
        """The parts a search for ``q`` finds: the number starting with it, or the name holding
        it (what every part picker and choice list offers)."""
        return sa.or_(starts_with(cls.part_number, q.upper()),
                      cls.name.contains(q, autoescape=True))

    def fits(self, model_id: int) -> bool:
        """Whether the part is listed for the model (its models are loaded once per part)."""
        return any(m.id == model_id for m in self.models)


class FaultCode(db.Model):
    __tablename__ = "fault_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    description: Mapped[str] = mapped_column(sa.String(200))
    # "The same problem" of the entitlement rules is the same fault code; its severity decides
    # which rule counts its repeats (portal/claims/entitlements.py).
    severity: Mapped[FaultSeverity] = mapped_column(
        enum_column(FaultSeverity, 10), default=FaultSeverity.GENERAL,
        server_default=FaultSeverity.GENERAL.value)
    watched: Mapped[bool] = mapped_column(default=False)  # claims with it need a person
    is_active: Mapped[bool] = mapped_column(default=True)

    hours = relationship("FaultHours", back_populates="fault_code", cascade="all, delete-orphan",
                         order_by="FaultHours.category")

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.description}"

    def hours_for(self, category: ModelCategory):
        return next((h.standard_hours for h in self.hours if h.category == category), None)


class FaultHours(db.Model):
    """Standard labour hours for a fault code on one model category."""

    __tablename__ = "fault_hours"
    __table_args__ = (sa.UniqueConstraint("fault_code_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fault_code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fault_codes.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[ModelCategory] = mapped_column(enum_column(ModelCategory))
    standard_hours = mapped_column(sa.Numeric(6, 2), nullable=False)

    fault_code = relationship(FaultCode, back_populates="hours")


class LabourRate(db.Model):
    """Hourly labour rate paid to dealers of one grade."""

    __tablename__ = "labour_rates"

    grade: Mapped[DealerGrade] = mapped_column(enum_column(DealerGrade, 2), primary_key=True)
    hourly_rate = mapped_column(Money, nullable=False)

    @property
    def id(self) -> str:
        return self.grade.value

    @property
    def audit_label(self) -> str:
        return self.grade.title


class TravelBand(db.Model):
    """Travel fee for a repair trip whose one-way distance falls in [min_km, max_km)."""

    __tablename__ = "travel_bands"

    id: Mapped[int] = mapped_column(primary_key=True)
    min_km: Mapped[int] = mapped_column(unique=True)
    max_km: Mapped[int | None]
    fee = mapped_column(Money, nullable=False)

    @property
    def audit_label(self) -> str:
        return f"{self.min_km}–{self.max_km or '∞'} km"


class PolicySettings(db.Model):
    """The maker's policy numbers; a single row (id 1)."""

    __tablename__ = "policy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_deadline_days: Mapped[int] = mapped_column(default=20)
    arrange_deadline_hours: Mapped[int] = mapped_column(default=2)
    check_deadline_hours: Mapped[int] = mapped_column(default=4)
    return_date_1_month: Mapped[int] = mapped_column(default=6)
    return_date_1_day: Mapped[int] = mapped_column(default=30)
    return_date_2_month: Mapped[int] = mapped_column(default=12)
    return_date_2_day: Mapped[int] = mapped_column(default=31)
    plan_lead_days: Mapped[int] = mapped_column(default=30)
    # A delivery note not confirmed this many days after shipping is chased by the rep.
    delivery_confirm_days: Mapped[int] = mapped_column(default=7)
    # Early warning (portal/quality/stats.py): the share of false alerts the check allows among
    # all it raises in a run (its false discovery rate), and the least failures of a key part
    # in a batch before it is flagged.
    alert_false_rate = mapped_column(sa.Numeric(6, 5), nullable=False, default=0.05)
    alert_min_failures: Mapped[int] = mapped_column(default=3)
    parts_markup_percent = mapped_column(sa.Numeric(5, 2), nullable=False, default=0)
    # Claim checks.
    duplicate_window_days: Mapped[int] = mapped_column(default=30)
    late_claim_days: Mapped[int] = mapped_column(default=30)
    # Clean claims decided by rules, and the share of them sampled for review afterwards.
    auto_approve: Mapped[bool] = mapped_column(default=False)
    auto_max_total = mapped_column(Money, nullable=False, default=1000)
    auto_sample_percent: Mapped[int] = mapped_column(default=10)
    good_standing_days: Mapped[int] = mapped_column(default=90)
    # Old-part returns: a dealer with parts overdue longer than this has new claims held.
    hold_overdue_days: Mapped[int] = mapped_column(default=30)
    # The maker as it signs its write-off notices.
    maker_name: Mapped[str] = mapped_column(sa.String(120), default="")
    maker_address: Mapped[str] = mapped_column(sa.String(200), default="")
    maker_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    maker_tax_no: Mapped[str] = mapped_column(sa.String(30), default="")
    # The maker's service line printed on the buyer's 三包凭证 (its phone when empty).
    maker_service_line: Mapped[str] = mapped_column(sa.String(32), default="")

    audit_label = "policy"

    @classmethod
    def current(cls) -> "PolicySettings":
        return db.session.get(cls, 1) or cls(id=1)


class Season(db.Model):
    """An operating or selling season: its dates, product categories and provinces."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[SeasonKind] = mapped_column(enum_column(SeasonKind), index=True)
    start_on: Mapped[date] = mapped_column(index=True)
    end_on: Mapped[date]
    categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    provinces: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Dealers selling these categories in these provinces submit a stocking plan for it.
    plan_required: Mapped[bool] = mapped_column(default=False)

    @property
    def audit_label(self) -> str:
        return f"{self.name} {self.start_on}–{self.end_on}"

    def covers(self, category, province: str) -> bool:
        """Whether the season is one for this model category in this province (a season naming
        no province covers them all)."""
        return category in (self.categories or []) and (
            not self.provinces or province in self.provinces)

    def plan_due_on(self, lead_days: int) -> date:
        """The last day a stocking plan for this season is on time (``lead_days`` before it)."""
        return self.start_on - timedelta(days=lead_days)
