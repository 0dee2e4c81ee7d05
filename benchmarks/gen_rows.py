"""The benchmark's data set as rows: plain Python, one fixed seed, no ORM.

``Rows(scale, seed, today, password_hash).emit(sink)`` calls ``sink.add(table, row)`` for
every row, table by table in the order of the columns ``sink.columns(table, names)`` announced
first. Values are Python objects (date, aware UTC datetime, Decimal, bool, str, dict/list for
JSON, StrEnum values as str); the loader turns them into what each database stores.

The data follows the portal's rules so its pages read it as they read real data: a claim's
unit belongs to its dealer; statuses and finance stages agree; lines' amounts sum to the
claim's totals; old parts are owed for return-required part lines, shipped, received and
judged; a claim reaches finance only once its old parts are settled; notices are monthly per
dealer, numbered HX-YYYY-NNNN gapless per year of issue, totals equal to their claims'
audited amounts; a confirmed notice has exactly one offset entry in the ledger.
"""

import math
import random
from bisect import bisect_right
from calendar import monthrange
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from portal.core.db import SHANGHAI
from portal.core.regions import PROVINCES
from portal.demo import data as demo
from portal.quality.simulation import poisson
from portal.service.models import digits_only

PASSWORD = "Bench-Portal-2026"
BENCH_DEALER = "BD0001"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Full scale (--scale 1.0).
DEALERS, UNITS, CLAIMS, SERVICE_REQUESTS = 1_000, 500_000, 1_000_000, 200_000
YEARS = 3  # of claims history
# The old dealer's last failure, this many days back: the work a claim brings (decision,
# finance, notice, owed parts returned by the next return date) then also ends more than two
# years back, so none of its records is younger than two years.
OLD_LAST_FAILURE_DAYS = 365 * 2 + 240
# A unit's failure rate at age t days: 1 + RUNNING_IN·e^(-t/RUNNING_IN_DAYS) times its settled
# rate (five times at the sale, twice after a month, settled after a quarter).
RUNNING_IN, RUNNING_IN_DAYS = 4.0, 30.0
SERIES = ["", "A", "B", "C", "E", "G", "H", "K"]  # 8 series x 5 demo models = 40 models

PROVINCE_WEIGHTS = {"山东省": 9, "河南省": 9, "河北省": 7, "黑龙江省": 7, "江苏省": 5, "安徽省": 5,
                    "吉林省": 5, "内蒙古自治区": 5, "新疆维吾尔自治区": 4, "湖北省": 4,
                    "辽宁省": 3, "山西省": 3, "陕西省": 3, "甘肃省": 3, "四川省": 3,
                    "湖南省": 2, "江西省": 2, "广西壮族自治区": 2, "云南省": 2, "宁夏回族自治区": 1}
CITY_STEMS = ["东", "西", "南", "北", "中", "新", "安", "丰", "平", "兴", "宁", "和", "昌", "源"]
CITY_TAILS = ["阳", "城", "州", "山", "河", "原", "台", "林", "泉", "庄"]
COMPANY_TAILS = ["农机销售有限公司", "农业机械有限公司", "农机服务中心", "农机有限公司",
                 "农机经营部", "农牧机械有限公司"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春"
DESCRIPTIONS = ["作业中发动机突然熄火，无法再次启动", "耕地时变速箱异响，挂挡困难",
                "液压提升无力，农具提不起来", "冒黑烟、功率明显下降", "水温过高报警",
                "后桥漏油", "割台堵塞，割刀断裂", "不充电，蓄电池亏电", "转向沉重",
                "机油压力低报警"]
CAUSES = ["零件材质缺陷", "装配不良", "铸造砂眼", "密封件老化", "焊缝开裂", "轴承早期磨损"]
WORK = ["更换损坏零件，试车正常", "拆检后更换总成，调试合格", "更换密封件并加注油液，试车无泄漏"]

# Claim fates once decided (technical outcome), and their weights.
FATES = [("approved", 72), ("partly_approved", 16), ("rejected", 12)]
REJECT_CODES = ["misuse", "running_in", "out_of_period", "no_defect", "user_damage",
                "modification", "not_warranty_part"]
VERDICT_FOR_REJECT = {"misuse": "misuse", "running_in": "misuse", "user_damage": "misuse",
                      "modification": "misuse", "no_defect": "no_defect",
                      "out_of_period": "quality_fault", "not_warranty_part": "not_warranty_part"}
DESTINATION = {"quality_fault": ("supplier", "scrap", "reusable"), "misuse": ("scrap",),
               "not_warranty_part": ("scrap",), "no_defect": ("reusable",),
               "wrong_part": ("scrap",)}
PASS_CHECKS = [
    {"code": "signature", "level": "pass", "message": "The customer's signature is attached.",
     "line": None},
    {"code": "card", "level": "pass",
     "message": "The warranty card was filed on time or excused.", "line": None},
    {"code": "before_sale", "level": "pass", "message": "The failure happened after the sale.",
     "line": None},
    {"code": "duplicate", "level": "pass",
     "message": "No claim for the same part of this unit shortly before.", "line": None},
]


def at(day: date, rng: random.Random, start_hour: int = 8, hours: int = 9) -> datetime:
    """A moment of the working day ``day`` in Shanghai, as an aware UTC datetime."""
    local = datetime.combine(day, time(start_hour), SHANGHAI) + timedelta(
        minutes=rng.randrange(hours * 60))
    return local.astimezone(UTC)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def due_date(completed: date) -> date:
    """The first yearly old-part return date (30 June, 31 December) after ``completed``."""
    for year in (completed.year, completed.year + 1):
        for day in (date(year, 6, 30), date(year, 12, 31)):
            if day > completed:
                return day
    raise AssertionError


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


class Rows:
    """The whole data set at ``scale`` (1.0 = production scale), reproducible from ``seed``."""

    def __init__(self, scale: float, seed: int, today: date, password_hash: str,
                 plant: float | None = None):
        self.rng = random.Random(seed)
        # Asked for only (--plant-batch): one batch whose differential housings fail at this
        # many times the normal rate in their first three months (``_plant``).
        self.plant, self.planted = plant, None
        self.today = today
        self.now = datetime.combine(today, time(9), SHANGHAI).astimezone(UTC)
        self.hash = password_hash
        self.n_dealers = max(20, round(DEALERS * scale))  # besides the old and the new one
        self.n_units = max(400, round(UNITS * scale))
        self.n_claims = max(800, round(CLAIMS * scale))
        self.n_requests = max(100, round(SERVICE_REQUESTS * scale))
        self.counts: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.numbers: dict[tuple[str, int], int] = {}  # (kind, year) → the last number used
        # Two dealers made on purpose after the others, for the benchmark's subjects
        # (benchmarks/subjects.py): one whose records are all old, one with none at all.
        self.old, self.new = self.n_dealers, self.n_dealers + 1
        # The order dealers' units, claims and ledgers are made in, so ids follow it: the old
        # dealer's first, as in a real table its records, the oldest, hold the lowest ids.
        self.order = [self.old, *range(self.n_dealers), self.new]
        self.old_last_failure = today - timedelta(days=OLD_LAST_FAILURE_DAYS)

    def numbered(self, kind: str, year: int, seq: int) -> int:
        """Note a document number used, for the document counters the portal continues."""
        self.numbers[kind, year] = max(self.numbers.get((kind, year), 0), seq)
        return seq

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    # ------------------------------------------------------------------ the whole set
    def emit(self, sink) -> None:
        self.sink = sink
        self._catalogue()
        self._dealers_and_users()
        self._units_and_cards()
        self._claims()
        self._notices()
        self._audit()
        self._emit_claims()
        self._ledger()
        self._service_requests()
        sink.columns("document_counters", ["kind", "year", "last"])
        for (kind, year), last in sorted(self.numbers.items()):
            sink.add("document_counters", (kind, year, last))

    # ------------------------------------------------------------------ catalogue
    def _catalogue(self) -> None:
        sink = self.sink
        sink.columns("product_models", ["id", "code", "name", "category", "whole_months",
                                        "main_parts_months", "wear_parts_months",
                                        "running_in_hours", "main_parts_named", "is_active"])
        self.models = []  # (id, code, category, series index)
        for s, suffix in enumerate(SERIES):
            for code, name, category, whole, main, wear, running_in, named in demo.MODELS:
                model_id = self.next_id("product_models")
                full = code + suffix
                label = name.replace(code, full, 1) if suffix else name
                sink.add("product_models", (model_id, full, label, category, whole, main, wear,
                                            running_in, named, True))
                self.models.append((model_id, full, category, s, code))
        by_base = {(s, base): mid for mid, _c, _cat, s, base in self.models}
        sink.columns("parts", ["id", "part_number", "name", "kind", "price", "return_required",
                               "warranty_months", "supplier", "watched", "key_part",
                               "season_consumption", "is_active"])
        sink.columns("part_models", ["part_id", "model_id"])
        self.parts = {}  # id -> (price, kind, return_required)
        self.stems = {}  # id -> the part number's family (SB-CS-B → CS)
        self.model_parts: dict[int, list[int]] = {mid: [] for mid, *_ in self.models}
        for s, suffix in enumerate(SERIES):
            for number, name, kind, price, ret, months, supplier, fits in demo.parts():
                part_id = self.next_id("parts")
                stem = number.split("-")[1]
                price = (price * (Decimal(1) + Decimal(s) / 50)).quantize(CENT)
                sink.add("parts", (part_id, number + (f"-{suffix}" if suffix else ""),
                                   name, kind, price, ret, months, supplier,
                                   stem == "CS", stem in demo.KEY_PARTS,
                                   demo.SEASON_CONSUMPTION.get(stem, Decimal(0)), True))
                self.parts[part_id] = (price, kind, ret)
                self.stems[part_id] = stem
                for base in fits:
                    sink.add("part_models", (part_id, by_base[(s, base)]))
                    self.model_parts[by_base[(s, base)]].append(part_id)
        sink.columns("fault_codes", ["id", "code", "description", "watched", "is_active"])
        sink.columns("fault_hours", ["id", "fault_code_id", "category", "standard_hours"])
        self.faults: dict[str, list[tuple[int, Decimal]]] = {}  # category -> (id, hours)
        for code, text, hours in demo.FAULT_CODES:
            fault_id = self.next_id("fault_codes")
            sink.add("fault_codes", (fault_id, code, text, code == "E06", True))
            for category, standard in hours.items():
                sink.add("fault_hours", (self.next_id("fault_hours"), fault_id, category,
                                         Decimal(standard)))
                self.faults.setdefault(category, []).append((fault_id, Decimal(standard)))
        sink.columns("labour_rates", ["grade", "hourly_rate"])
        for grade, rate in demo.LABOUR_RATES.items():
            sink.add("labour_rates", (grade, rate))
        sink.columns("travel_bands", ["id", "min_km", "max_km", "fee"])
        self.bands = []
        for low, high, fee in demo.TRAVEL_BANDS:
            sink.add("travel_bands", (self.next_id("travel_bands"), low, high, fee))
            self.bands.append((low, fee))
        sink.columns("seasons", ["id", "name", "kind", "start_on", "end_on", "categories",
                                 "provinces", "plan_required"])
        seasons = demo.seasons(self.today, lead_days=30)  # the policy's default lead days
        for name, kind, start, end, categories, provinces, required in seasons:
            sink.add("seasons", (self.next_id("seasons"), name, kind, start, end, categories,
                                 provinces, required))

    def travel_fee(self, km: int) -> Decimal:
        return self.bands[bisect_right([b[0] for b in self.bands], km) - 1][1]

    # ------------------------------------------------------------------ dealers and users
    def _dealers_and_users(self) -> None:
        rng, sink = self.rng, self.sink
        sink.columns("users", ["id", "username", "display_name", "password_hash", "role",
                               "dealer_id", "phone", "email", "is_active_user",
                               "must_change_password", "session_epoch", "created_at"])
        created = self.now - timedelta(days=365 * YEARS + 30)

        def user(username, name, role, dealer_id=None):
            user_id = self.next_id("users")
            sink.add("users", (user_id, username, name, self.hash, role, dealer_id, phone(rng),
                               f"{username}@bench.example", True, False, 0, created))
            return user_id

        self.admin = user("bench_admin", "基准 管理员", "admin")
        self.clerk = user("bench_clerk", "基准 销售内勤", "clerk")
        self.tech = [user("bench_tech", "基准 技术部", "technical"),
                     user("bench_tech2", "基准 技术部二", "technical")]
        self.finance = [user("bench_finance", "基准 财务部", "finance"),
                        user("bench_finance2", "基准 财务部二", "finance")]
        n_reps = math.ceil(self.n_dealers / 20) + 1  # the last has the old and the new dealer
        self.reps = [user("bench_rep", "基准 销售业务员", "sales_rep")]
        self.reps += [user(f"bench_rep{k:03d}", f"业务员{k:03d}", "sales_rep")
                      for k in range(2, n_reps + 1)]

        provinces = [p for p in PROVINCES if p in PROVINCE_WEIGHTS]
        weights = [PROVINCE_WEIGHTS[p] for p in provinces]
        sink.columns("dealers", ["id", "code", "name", "province", "city", "address",
                                 "contact_name", "contact_phone", "service_phone", "email",
                                 "grade", "status", "sales_rep_id", "created_at"])
        self.dealers = []  # (id, code, grade, province, staff user id)
        names = set()
        for n in range(1, self.n_dealers + 3):
            dealer_id = self.next_id("dealers")
            code = f"BD{n:04d}"
            province = rng.choices(provinces, weights)[0]
            city = rng.choice(CITY_STEMS) + rng.choice(CITY_TAILS) + "市"
            name = city[:-1] + rng.choice(COMPANY_TAILS)
            while name in names:
                name = city[:-1] + rng.choice(CITY_STEMS) + rng.choice(COMPANY_TAILS)
            names.add(name)
            grade = "a" if n == 1 else rng.choices("abcd", (15, 40, 35, 10))[0]
            status = "suspended" if 20 < n <= self.n_dealers and rng.random() < 0.01 \
                else "active"
            rep = self.reps[min((n - 1) // 20, len(self.reps) - 2)] if n <= self.n_dealers \
                else self.reps[-1]
            sink.add("dealers", (dealer_id, code, name, province, city,
                                 f"{province}{city}{rng.randint(1, 300)}号", person(rng),
                                 phone(rng), f"400-{rng.randrange(10**7):07d}",
                                 f"{code.lower()}@dealer.example", grade, status, rep,
                                 self.now - timedelta(days=20) if n == self.new + 1 else created))
            self.dealers.append([dealer_id, code, grade, province, None, rep, name, city])
        # Dealer users: the bench dealer admin, and one clerk per dealer who files its records.
        self.bench_dealer_user = user("bench_dealer", "基准 经销商管理员", "dealer_admin",
                                      self.dealers[0][0])
        for dealer in self.dealers:
            dealer[4] = user(f"staff_{dealer[1].lower()}", f"{dealer[1]} 服务站", "dealer_staff",
                             dealer[0])

    # ------------------------------------------------------------------ units and cards
    def _units_and_cards(self) -> None:
        rng, sink, today = self.rng, self.sink, self.today
        weights = [rng.paretovariate(1.6) for _ in self.dealers]
        mean = sum(weights) / len(weights)
        weights = [min(w, mean * 12) for w in weights]
        mean = sum(weights) / len(weights)
        # The bench dealer is the largest, so that what head office's work made for it (a
        # stocking plan, a delivery note, notice PDFs) lies on the largest dealer's records.
        weights[0] = max(weights) * 1.2
        weights[self.old], weights[self.new] = mean, 0  # a typical dealer that stopped; none
        total = sum(weights)
        counts = [max(1, int(self.n_units * w / total)) if w else 0 for w in weights]
        counts[1] += self.n_units - sum(counts)
        sink.columns("units", ["id", "serial", "model_id", "engine_no", "frame_no",
                               "production_date", "batch", "dealer_id", "shipped_on",
                               "delivery_note_no", "delivery_confirmed", "created_at"])
        sink.columns("warranty_cards", ["id", "unit_id", "dealer_id", "status", "buyer_name",
                                        "buyer_phone", "buyer_id_no", "province", "city",
                                        "county", "address", "invoice_no", "invoice_date",
                                        "sale_date", "received_on", "late_days",
                                        "created_by_id", "created_at", "filed_by_id",
                                        "filed_at"])
        model_weights = [5 if m[2] == "tractor_large" else 3 if m[2] == "tractor_small" else 2
                         for m in self.models]
        first = today - timedelta(days=365 * (YEARS + 1))
        span = (today - timedelta(days=20) - first).days
        old_span = (self.old_last_failure - timedelta(days=120) - first).days
        # Per dealer: (unit id, model index, sale date, batch).
        self.sold = [[] for _ in self.dealers]
        self.unit_serial = {}
        for d_index in self.order:
            dealer, count = self.dealers[d_index], counts[d_index]
            dealer_id, staff = dealer[0], dealer[4]
            sold = []
            for _ in range(count):
                unit_id = self.next_id("units")
                m_index = rng.choices(range(len(self.models)), model_weights)[0]
                model_id, model_code, _cat, _s, _base = self.models[m_index]
                produced = first + timedelta(days=rng.randrange(
                    old_span if d_index == self.old else span))
                shipped = produced + timedelta(days=rng.randint(5, 60))
                if shipped >= today:
                    shipped = today - timedelta(days=1)
                serial = f"{model_code.replace('-', '')}{produced:%y%m}{unit_id:07d}"
                sink.add("units", (unit_id, serial, model_id, f"E{produced:%y}{unit_id:08d}",
                                   f"F{unit_id:09d}", produced,
                                   f"{model_code}-{produced:%Y%m}", dealer_id, shipped,
                                   f"FH{shipped:%Y}{d_index:04d}{shipped:%m%d}",
                                   shipped < today - timedelta(days=10), at(shipped, rng)))
                sale = shipped + timedelta(days=int(rng.expovariate(1 / 90)))
                if sale >= today or rng.random() < 0.1:
                    continue  # in stock
                delay = int(rng.expovariate(1 / 8)) + 1
                received = sale + timedelta(days=delay)
                if d_index == self.old and received >= self.old_last_failure:
                    continue  # the old dealer sold nothing later: still in its stock
                card_id = self.next_id("warranty_cards")
                buyer = person(rng)
                if received >= today:  # sold lately, the card is still to file
                    sink.add("warranty_cards", (
                        card_id, unit_id, dealer_id, "draft", buyer, phone(rng), "",
                        dealer[3], "", "", f"{dealer[3]}某村", f"FP{card_id:010d}", sale, sale,
                        None, 0, staff, at(sale, rng), None, None))
                else:
                    filed = at(received, rng)
                    sink.add("warranty_cards", (
                        card_id, unit_id, dealer_id, "filed", buyer, phone(rng), "",
                        dealer[3], "", "", f"{dealer[3]}某村", f"FP{card_id:010d}", sale, sale,
                        received, max(0, delay - 20), staff, at(sale, rng), staff, filed))
                    sold.append((unit_id, m_index, sale, f"{model_code}-{produced:%Y%m}"))
            self.sold[d_index] = sold

    # ------------------------------------------------------------------ claims
    def _claims(self) -> None:
        sink = self.sink
        sink.columns("claims", [
            "id", "number", "unit_id", "dealer_id", "status", "failure_date", "handed_in_on",
            "completed_on", "hour_meter", "fault_code_id", "description", "cause", "work_done",
            "technician", "total_claimed", "total_approved", "created_by_id", "created_at",
            "submitted_by_id", "submitted_at", "reviewer_id", "decided_by_id", "decided_at",
            "decided_by_rules", "sampled", "checks", "finance_stage", "forwarded_by_id",
            "forwarded_at", "finance_by_id", "finance_at", "finance_on", "total_finance",
            "notice_id", "parts_pending"])
        sink.columns("claim_lines", [
            "id", "claim_id", "position", "kind", "part_id", "quantity", "unit_price",
            "fault_code_id", "hours", "standard_hours", "hourly_rate", "km", "reason", "amount",
            "covered", "not_covered", "reimbursed", "not_reimbursed", "paid_service", "decision",
            "approved_amount", "reject_code", "decision_note", "decided_by_id", "decided_at",
            "finance_amount"])
        sink.columns("owed_parts", [
            "id", "claim_id", "claim_line_id", "dealer_id", "part_id", "unit_id", "quantity",
            "due_on", "status", "created_at", "received_on", "damaged", "waived_at",
            "waived_by_id", "waive_reason", "verdict", "cause_code_id", "cause", "destination",
            "verdict_by_id", "verdict_at"])
        sink.columns("return_visits", [
            "id", "claim_id", "dealer_id", "unit_id", "status", "created_at", "due_on",
            "reached", "satisfaction", "comment", "attempts", "called_by_id", "called_at"])
        rates = demo.LABOUR_RATES
        # Spread the claims over the dealers in proportion to their sold units.
        sold_total = sum(len(s) for s in self.sold)
        self.shipments = {}  # (dealer index, ship date) -> list of (owed id, receipt)
        self.approved_by_month = {}  # (dealer index, month start) -> [(claim id, amounts)]
        self.audit_claims = []  # the bench dealer's claims, for their audit timeline
        self.claim_rows_numbers = {}
        self.claim_rows = []  # emitted once the notices are known (notice id, written off)
        self.store = []  # (owed part id, store, entered on)
        remaining = self.n_claims
        last = [i for i in self.order if self.sold[i]][-1]
        if self.plant:
            self.planted = self._planted_batch()
        for d_index in self.order:
            sold = self.sold[d_index]
            if not sold:
                continue
            end = self.old_last_failure if d_index == self.old else self.today
            share = remaining if d_index == last else round(
                self.n_claims * len(sold) / sold_total)
            share = min(share, remaining)
            remaining -= share
            dealer = self.dealers[d_index]
            rate = rates[dealer[2]]
            failures, weight = self._failures(sold, end, share)
            if self.planted:
                failures += self._plant(sold, share / weight)
            for index, failure, part_id in sorted(
                    failures, key=lambda f: (f[1], sold[f[0]][0])):
                unit_id, m_index, sale, _batch = sold[index]
                self._claim(d_index, dealer, rate, failure, unit_id, m_index, sale,
                            None if part_id is None else [part_id])

    def _failures(self, sold, end: date, count: int) -> tuple[list, float]:
        """``count`` failures of a dealer's sold units between three years back (the history
        kept) and ``end``, as (index into ``sold``, failure day, None: parts drawn as usual),
        and the units' summed rate (``count`` / it: failures per unit of it).

        A machine fails most in its first weeks and less once run in: each unit at age t (days
        since its sale) fails at 1 + RUNNING_IN·e^(-t/RUNNING_IN_DAYS) times its settled rate,
        so a unit is drawn by that rate summed over its days in the window, and the day from
        that rate within them. (Before issue 21 every sold unit was equally likely, on a day
        drawn evenly since its sale: a unit sold a month ago failed as often as one sold three
        years ago, some 36 times the rate per day, which made every young batch look bad.)"""
        rng, tau = self.rng, RUNNING_IN_DAYS
        window_start = self.today - timedelta(days=365 * YEARS)
        spans, weights = [], []
        for _unit, _model, sale, _batch in sold:
            first, last = max(1, (window_start - sale).days), (end - sale).days  # [first, last)
            early = RUNNING_IN * tau * (math.exp(-first / tau) - math.exp(-last / tau))
            spans.append((first, last, early))
            weights.append(early + last - first if last > first else 0.0)
        cumulative = list(accumulate(weights))
        if not cumulative[-1]:  # no unit in service in the window: the day before its end
            return [(rng.randrange(len(sold)), end - timedelta(days=1), None)
                    for _n in range(count)], 1.0
        failures = []
        for index in rng.choices(range(len(sold)), cum_weights=cumulative, k=count):
            age = self._age(*spans[index])
            failures.append((index, sold[index][2] + timedelta(days=age), None))
        return failures, cumulative[-1]

    def _age(self, first: int, last: int, early: float) -> int:
        """An age in [first, last) drawn from the running-in rate (``early``: the running-in
        part's mass over those ages, the settled part's being their number)."""
        tau = RUNNING_IN_DAYS
        share = self.rng.random() * (early + last - first)
        if share < early:  # in the running-in part: an exponential cut to the ages
            top = math.exp(-first / tau)
            age = -tau * math.log(top - share / early * (top - math.exp(-last / tau)))
        else:
            age = first + share - early
        return min(max(int(age), first), last - 1)

    def _planted_batch(self) -> tuple[int, str] | None:
        """(part id, batch) to plant: the differential housing (CS, a key part) of the largest
        batch of a model it fits whose units were sold four to ten months ago."""
        newest, oldest = self.today - timedelta(days=120), self.today - timedelta(days=300)
        sizes = Counter(
            (m_index, batch) for sold in self.sold for _unit, m_index, sale, batch in sold
            if oldest <= sale <= newest and any(self.stems[p] == "CS" for p in
                                                self.model_parts[self.models[m_index][0]]))
        if not sizes:
            return None
        (m_index, batch), _n = max(sorted(sizes.items()), key=lambda item: item[1])
        part = next(p for p in self.model_parts[self.models[m_index][0]]
                    if self.stems[p] == "CS")
        return part, batch

    def _plant(self, sold, per_weight: float) -> list:
        """The planted batch's extra failures at this dealer: in each unit's first three months
        (ages 1–90), at ``plant`` − 1 times the normal rate of its part there: the dealer's
        failures per unit of rate (``per_weight``) times the running-in rate summed over those
        ages, times the part's share of a failure's parts (0.9 a failure, drawn among the
        model's parts)."""
        part, batch = self.planted
        tau, extra = RUNNING_IN_DAYS, []
        for index, (_unit, m_index, sale, unit_batch) in enumerate(sold):
            last = min(91, (self.today - sale).days)
            if unit_batch != batch or last <= 1:
                continue
            early = RUNNING_IN * tau * (math.exp(-1 / tau) - math.exp(-last / tau))
            share = 0.9 / len(self.model_parts[self.models[m_index][0]])
            lam = (self.plant - 1) * per_weight * (early + last - 1) * share
            for _n in range(poisson(self.rng, lam)):
                extra.append((index, sale + timedelta(days=self._age(1, last, early)), part))
        return extra

    def _claim(self, d_index, dealer, rate, failure, unit_id, m_index, sale,
               parts=None) -> None:
        rng, sink, today = self.rng, self.sink, self.today
        dealer_id, staff, rep = dealer[0], dealer[4], dealer[5]
        model_id, _code, category, _s, _base = self.models[m_index]
        claim_id = self.next_id("claims")
        completed = min(failure + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 5))),
                        today - timedelta(days=1))
        age = (today - completed).days
        created = at(min(completed + timedelta(days=rng.randint(0, 3)),
                         today - timedelta(days=1)), rng)
        # The technical outcome, by age.
        if age < 7:
            status = rng.choices(("draft", "submitted", "under_review"), (40, 40, 20))[0]
        elif age < 30:
            status = rng.choices(("draft", "submitted", "under_review", "decided"),
                                 (5, 12, 23, 60))[0]
        else:
            status = rng.choices(("draft", "under_review", "decided"), (1.5, 0.5, 98))[0]
        if status == "decided":
            status = rng.choices(*zip(*FATES, strict=True))[0]
        fault_id, standard = rng.choice(self.faults[category])
        # Lines: 0-2 parts, labour, travel most of the time, now and then another cost.
        lines = []
        n_parts = rng.choices((0, 1, 2), (25, 60, 15))[0]
        fits = self.model_parts[model_id]
        for part_id in rng.sample(fits, n_parts) if parts is None else parts:
            price, kind, ret = self.parts[part_id]
            quantity = rng.choice((1, 1, 1, 2)) if kind == "wear" else 1
            lines.append(["part", part_id, quantity, price, None, None, None, None, None,
                          "", price * quantity, ret])
        hours = standard + (Decimal(rng.choice((1, 2))) if rng.random() < 0.05 else 0)
        lines.append(["labour", None, None, None, fault_id, hours, standard, rate, None,
                      "" if hours == standard else "拆装困难，实际工时超出标准",
                      (hours * rate).quantize(CENT), False])
        if rng.random() < 0.55:
            km = rng.randint(3, 220)
            lines.append(["travel", None, None, None, None, None, None, None, km, "",
                          self.travel_fee(km), False])
        if rng.random() < 0.05:
            lines.append(["other", None, None, None, None, None, None, None, None,
                          "专用工具租用", Decimal(rng.randint(5, 30) * 10), False])
        total = sum((line[10] for line in lines), ZERO)
        submitted_at = None if status == "draft" else created + timedelta(
            hours=rng.randint(1, 48))
        decided = status in ("approved", "partly_approved", "rejected")
        decided_at = None
        if decided:
            decided_at = submitted_at + timedelta(days=rng.randint(1, min(25, max(1, age - 2))),
                                                  hours=rng.randint(0, 6))
            decided_at = min(decided_at, self.now - timedelta(hours=1))
        rules = decided and status == "approved" and total <= 800 and rng.random() < 0.3
        tech = rng.choice(self.tech)
        decider = None if not decided else None if rules else tech
        # Line decisions.
        decisions = []  # (decision, approved, reject code)
        if status == "approved":
            decisions = [("approved", line[10], None) for line in lines]
        elif status == "rejected":
            code = rng.choice(REJECT_CODES)
            decisions = [("rejected", ZERO, code) for _ in lines]
        elif status == "partly_approved":
            decisions = [("approved", line[10], None) for line in lines]
            target = rng.randrange(len(lines))
            if lines[target][0] == "part" and rng.random() < 0.5:
                decisions[target] = ("rejected", ZERO, rng.choice(REJECT_CODES))
            else:
                cut = (lines[target][10] * Decimal(rng.randint(50, 90)) / 100).quantize(CENT)
                decisions[target] = ("reduced", cut, None)
            if sum(d[1] for d in decisions) <= 0:
                decisions[-1] = ("approved", lines[-1][10], None)
        total_approved = sum((d[1] for d in decisions), ZERO) if decided else None
        # Old parts: owed for the return-required part lines of a submitted claim.
        first_line = self.ids.get("claim_lines", 0) + 1
        owed = []
        if status != "draft":
            for position, line in enumerate(lines, 1):
                if line[0] == "part" and line[11]:
                    owed.append((first_line + position - 1, line, position - 1))
        due = due_date(completed)
        settled = True
        owed_rows = []
        for line_id, line, index in owed:
            owed_id = self.next_id("owed_parts")
            decision = decisions[index] if decisions else None
            row = self._owed(owed_id, claim_id, line_id, dealer_id, unit_id, line, due,
                             decision, created, d_index, fault_id)
            settled = settled and row[8] in ("received", "waived") and (
                row[15] is not None or row[8] == "waived")
            owed_rows.append(row)
        # Finance: the rep forwards a decided claim whose old parts are settled; finance audits.
        stage = forwarded_at = finance_at = finance_on = finance_by = None
        total_finance = None
        if decided and status != "rejected" and settled and decided_at is not None:
            days_since = (self.now - decided_at).days
            if days_since > 3 or (days_since > 1 and rng.random() < 0.5):
                forwarded_at = decided_at + timedelta(days=rng.randint(1, min(10, days_since)),
                                                      hours=rng.randint(0, 3))
                forwarded_at = min(forwarded_at, self.now - timedelta(minutes=30))
                stage = "forwarded"
                waited = (self.now - forwarded_at).days
                if waited >= 2 and rng.random() < (0.97 if waited > 20 else 0.6):
                    finance_at = forwarded_at + timedelta(days=rng.randint(1, min(15, waited)))
                    finance_at = min(finance_at, self.now - timedelta(minutes=10))
                    finance_on = finance_at.astimezone(SHANGHAI).date()
                    finance_by = rng.choice(self.finance)
                    stage = "approved" if rng.random() < 0.97 else "rejected"
        finance_amounts = [None] * len(lines)
        if stage in ("approved", "rejected"):
            for i, (decision, approved, _code) in enumerate(decisions):
                if decision == "rejected" or stage == "rejected":
                    finance_amounts[i] = ZERO
                else:
                    finance_amounts[i] = approved
            if stage == "approved" and rng.random() < 0.05:  # finance trims a travel or labour
                i = len(lines) - 1
                if decisions[i][0] != "rejected" and finance_amounts[i] > 10:
                    finance_amounts[i] = (finance_amounts[i] * Decimal("0.8")).quantize(CENT)
            total_finance = sum(finance_amounts, ZERO)
            if stage == "approved" and total_finance <= 0:
                stage, total_finance = "rejected", ZERO
        checks = PASS_CHECKS if status != "draft" else []
        self.claim_rows.append([
            claim_id, f"WX{(y := created.astimezone(SHANGHAI).year)}"
            f"{self.numbered('claim', y, claim_id):07d}", unit_id, dealer_id,
            status, failure, failure, completed if status != "draft" or rng.random() < 0.8
            else None, Decimal(rng.randint(20, 2400)), fault_id, rng.choice(DESCRIPTIONS),
            rng.choice(CAUSES), rng.choice(WORK), person(rng), total, total_approved, staff,
            created, staff if submitted_at else None, submitted_at,
            tech if status == "under_review" or (decided and not rules) else None,
            decider, decided_at, rules, rules and rng.random() < 0.2, checks, stage,
            rep if forwarded_at else None, forwarded_at, finance_by, finance_at, finance_on,
            total_finance, None, any(  # an owed part waiting for its verdict (or a waiver)
                row[8] not in ("cancelled", "waived") and row[15] is None for row in owed_rows)])
        for position, line in enumerate(lines, 1):
            line_id = self.next_id("claim_lines")
            decision = decisions[position - 1] if decisions else ("pending", None, None)
            sink.add("claim_lines", (
                line_id, claim_id, position, line[0], line[1], line[2], line[3], line[4],
                line[5], line[6], line[7], line[8], line[9], line[10], True, [], True, [], False,
                decision[0], decision[1], decision[2],
                "" if decision[2] is None else "经鉴定不属三包",
                decider if decided else None, decided_at, finance_amounts[position - 1]))
        for row in owed_rows:
            sink.add("owed_parts", row)
        if submitted_at is not None:
            visit_due = max(completed + timedelta(days=3), submitted_at.astimezone(SHANGHAI)
                            .date())
            if visit_due < today - timedelta(days=7) or (visit_due < today and
                                                         rng.random() < 0.5):
                reached = rng.random() < 0.95
                sink.add("return_visits", (
                    self.next_id("return_visits"), claim_id, dealer_id, unit_id, "done",
                    submitted_at, visit_due, reached,
                    rng.choices((5, 4, 3, 2), (70, 25, 4, 1))[0] if reached else None,
                    "", 1 if reached else 3, staff, at(visit_due, rng)))
            else:
                sink.add("return_visits", (
                    self.next_id("return_visits"), claim_id, dealer_id, unit_id, "open",
                    submitted_at, visit_due, None, None, "", 0, None, None))
        if stage == "approved":
            amounts = {"parts": ZERO, "labour": ZERO, "travel": ZERO, "other": ZERO}
            key = {"part": "parts", "labour": "labour", "travel": "travel", "other": "other"}
            for line, amount in zip(lines, finance_amounts, strict=True):
                amounts[key[line[0]]] += amount
            self.approved_by_month.setdefault((d_index, month_start(finance_on)), []).append(
                (claim_id, amounts, total_finance))
        if d_index == 0:
            self.claim_rows_numbers[claim_id] = self.claim_rows[-1][1]
            self.audit_claims.append((claim_id, status, created, submitted_at, decided_at,
                                      decider, rules, forwarded_at, rep, finance_at, finance_by,
                                      stage, total))

    def _owed(self, owed_id, claim_id, line_id, dealer_id, unit_id, line, due, decision,
              created, d_index, fault_id) -> tuple:
        """One owed old part, its shipment and its verdict, as far as time has come."""
        rng, today = self.rng, self.today
        created_at = created + timedelta(hours=1)
        status, received_on, verdict, destination, verdict_by, verdict_at = (
            "owed", None, None, None, None, None)
        waived_at = waived_by = None
        waive_reason = ""
        shipped_on = due - timedelta(days=rng.randint(0, 40))
        lower = created_at.astimezone(SHANGHAI).date() + timedelta(days=1)
        if shipped_on < lower:
            shipped_on = lower + timedelta(days=rng.randint(0, 10))
        if rng.random() < 0.03:
            status, waived_at, waived_by = "waived", created_at + timedelta(days=2), self.tech[0]
            waive_reason = "零件已随整机就地报废，免于返还"
        elif shipped_on >= today or rng.random() < (0.04 if due < today else 0.5):
            status = "owed"  # not shipped yet (late, or the return date is ahead)
        else:
            arrival = shipped_on + timedelta(days=rng.randint(2, 9))
            if arrival >= today:
                status = "shipped"
                self.shipments.setdefault((d_index, shipped_on), []).append((owed_id, None))
            elif rng.random() < 0.015:
                status = "missing"
                self.shipments.setdefault((d_index, shipped_on), []).append(
                    (owed_id, ("missing", arrival)))
            else:
                status, received_on = "received", arrival
                damaged = rng.random() < 0.01
                self.shipments.setdefault((d_index, shipped_on), []).append(
                    (owed_id, ("damaged" if damaged else "received", arrival)))
                judged = arrival + timedelta(days=rng.randint(1, 20))
                if judged < today:
                    if decision is not None and decision[0] == "rejected":
                        verdict = VERDICT_FOR_REJECT.get(decision[2], "misuse")
                    else:
                        verdict = "quality_fault"
                    destination = rng.choice(DESTINATION[verdict])
                    verdict_by, verdict_at = self.tech[0], at(judged, rng)
                    self.store.append((owed_id, destination, judged, verdict))
        return (owed_id, claim_id, line_id, dealer_id, line[1], unit_id, line[2], due, status,
                created_at, received_on, False, waived_at, waived_by, waive_reason, verdict,
                fault_id if verdict else None, "材质缺陷" if verdict == "quality_fault" else "",
                destination, verdict_by, verdict_at)

    # ------------------------------------------------------------------ shipments, notices
    def _notices(self) -> None:
        rng, sink, today = self.rng, self.sink, self.today
        sink.columns("return_shipments", ["id", "number", "dealer_id", "method", "waybill",
                                          "shipped_on", "status", "created_by_id", "created_at",
                                          "reconciled_at", "reconciled_by_id"])
        sink.columns("return_shipment_lines", ["id", "shipment_id", "owed_part_id", "receipt",
                                               "received_at", "received_by_id", "note"])
        for (d_index, shipped_on), items in sorted(self.shipments.items()):
            dealer = self.dealers[d_index]
            shipment_id = self.next_id("return_shipments")
            created = at(shipped_on, rng)
            arrived = [i for i in items if i[1] is not None]
            status = ("reconciled" if len(arrived) == len(items) else
                      "receiving" if arrived else "shipped")
            last = max((i[1][1] for i in arrived), default=None)
            sink.add("return_shipments", (
                shipment_id, f"HY{(y := created.astimezone(SHANGHAI).year)}"
                f"{self.numbered('return_shipment', y, shipment_id):06d}",
                dealer[0], rng.choice(("truck", "courier", "courier", "in_person")),
                f"SF{rng.randrange(10**12):012d}", shipped_on, status, dealer[4], created,
                at(last, rng, 17, 2) if status == "reconciled" else None,
                self.clerk if status == "reconciled" else None))
            for owed_id, receipt in items:
                sink.add("return_shipment_lines", (
                    self.next_id("return_shipment_lines"), shipment_id, owed_id,
                    receipt[0] if receipt else "pending",
                    at(receipt[1], rng, 9, 6) if receipt else None,
                    self.clerk if receipt else None, ""))
        self._store_items()
        # Monthly notices per dealer: issued early the next month; confirmed after some days.
        sink.columns("write_off_notices", [
            "id", "number", "year", "seq", "dealer_id", "period_start", "period_end", "status",
            "maker", "dealer_details", "parts", "labour", "travel", "other", "total",
            "issued_by_id", "issued_at", "confirmed_by_id", "confirmed_at", "disputed_by_id",
            "disputed_at", "dispute_reason"])
        sink.columns("notice_claims", ["notice_id", "claim_id", "position", "parts", "labour",
                                       "travel", "other", "total"])
        maker = {"name": "三宝农业机械股份有限公司", "address": "山东省济南市高新区工业南路88号",
                 "phone": "0531-88660000", "tax_no": "91370100MA3BENCH01"}
        current = month_start(today)
        plans = []  # (issue moment, dealer index, month, claims)
        for (d_index, month), claims in self.approved_by_month.items():
            if month >= current:
                continue  # this month's approved claims wait for the next run
            issue_day = add_months(month, 1) + timedelta(days=rng.randint(2, 6))
            if issue_day >= today:
                continue
            plans.append((at(issue_day, rng), d_index, month, claims))
        plans.sort(key=lambda p: (p[0], p[1]))
        # The bench dealer's latest notice waits for it to confirm (its open work today).
        latest = max((p[2] for p in plans if p[1] == 0), default=None)
        seqs: dict[int, int] = {}
        self.notice_of_claim = {}
        self.offsets = []  # (dealer id, date, notice id, number, total)
        self.notice_rows = {}
        for issued_at, d_index, month, claims in plans:
            dealer = self.dealers[d_index]
            notice_id = self.next_id("write_off_notices")
            year = issued_at.astimezone(SHANGHAI).year
            seqs[year] = seqs.get(year, 0) + 1
            number = f"HX-{year}-{seqs[year]:04d}"
            totals = {"parts": ZERO, "labour": ZERO, "travel": ZERO, "other": ZERO}
            claims.sort()
            for position, (claim_id, amounts, total) in enumerate(claims, 1):
                for key, value in amounts.items():
                    totals[key] += value
                sink.add("notice_claims", (notice_id, claim_id, position, amounts["parts"],
                                           amounts["labour"], amounts["travel"],
                                           amounts["other"], total))
            total = sum(totals.values(), ZERO)
            age = (self.now - issued_at).days
            confirm_at = issued_at + timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 5))
            status = "confirmed" if confirm_at < self.now and (age > 25 or rng.random() < 0.5) \
                else "issued"
            if d_index == 0 and month == latest:
                status = "issued"
            elif status == "issued" and age > 10 and rng.random() < 0.1:
                status = "disputed"
            details = {"code": dealer[1], "name": dealer[6], "province": dealer[3],
                       "city": dealer[7], "address": f"{dealer[3]}{dealer[7]}",
                       "contact_name": "", "contact_phone": ""}
            issuer = rng.choice(self.finance)
            sink.add("write_off_notices", (
                notice_id, number, year, seqs[year], dealer[0], month,
                add_months(month, 1) - timedelta(days=1), status, maker, details,
                totals["parts"], totals["labour"], totals["travel"], totals["other"], total,
                issuer, issued_at,
                self.bench_dealer_user if status == "confirmed" and d_index == 0 else
                dealer[4] if status == "confirmed" else None,
                confirm_at if status == "confirmed" else None,
                dealer[4] if status == "disputed" else None,
                issued_at + timedelta(days=3) if status == "disputed" else None,
                "工时费与实际不符，请核对" if status == "disputed" else ""))
            for claim_id, _amounts, _total in claims:
                self.notice_of_claim[claim_id] = (notice_id, status == "confirmed")
            if status == "confirmed":
                self.offsets.append((dealer[0], confirm_at.astimezone(SHANGHAI).date(),
                                     notice_id, number, total, confirm_at, d_index))
            self.notice_rows[notice_id] = (d_index, number, status, issued_at, issuer,
                                           confirm_at if status == "confirmed" else None)
        for year, last in seqs.items():
            self.numbered("notice", year, last)

    def _store_items(self) -> None:
        """Judged old parts in the reusable store, the scrap store or back to the supplier;
        the older ones long since reused, scrapped or dispatched."""
        rng, sink, today = self.rng, self.sink, self.today
        sink.columns("store_items", ["id", "owed_part_id", "store", "entered_on", "state",
                                     "out_on", "out_by_id", "out_note"])
        gone = {"reusable": "reused", "scrap": "scrapped", "supplier": "dispatched"}
        for owed_id, store, judged, _verdict in self.store:
            entered = judged + timedelta(days=rng.randint(0, 3))
            entered = min(entered, today)
            out = entered + timedelta(days=rng.randint(20, 200))
            out_ok = out < today
            sink.add("store_items", (self.next_id("store_items"), owed_id, store, entered,
                                     gone[store] if out_ok else "in_store",
                                     out if out_ok else None, self.clerk if out_ok else None,
                                     ""))

    def _emit_claims(self) -> None:
        """The claims, now that the notices holding them are known."""
        sink = self.sink
        for claim_id, (notice_id, confirmed) in self.notice_of_claim.items():
            row = self.claim_rows[claim_id - 1]
            row[33] = notice_id
            if confirmed:
                row[26] = "written_off"
        for row in self.claim_rows:
            sink.add("claims", tuple(row))
        self.claim_rows = []

    def _audit(self) -> None:
        """The audit trail of the bench dealer's claims and notices (their timelines)."""
        sink = self.sink
        sink.columns("audit_entries", ["id", "at", "actor_id", "actor_name", "action",
                                       "entity_type", "entity_id", "entity_label",
                                       "from_state", "to_state", "reason", "changes",
                                       "remote_addr"])
        names = {self.tech[0]: "bench_tech", self.tech[1]: "bench_tech2",
                 self.finance[0]: "bench_finance", self.finance[1]: "bench_finance2",
                 self.reps[0]: "bench_rep", self.dealers[0][4]: "staff_bd0001",
                 self.bench_dealer_user: "bench_dealer", None: "system"}
        staff = self.dealers[0][4]
        rows = []

        def entry(when, actor, action, entity, entity_id, label, before, after, changes=None):
            rows.append((when, actor, names[actor], action, entity, str(entity_id), label,
                         before, after, "", changes or {}, ""))

        for (claim_id, status, created, submitted_at, decided_at, decider, rules, forwarded_at,
             rep, finance_at, finance_by, stage, total) in self.audit_claims:
            number = self.claim_rows_numbers[claim_id]
            entry(created, staff, "create", "claims", claim_id, number, None, "draft")
            if submitted_at is None:
                continue
            entry(submitted_at, staff, "submit", "claims", claim_id, number, "draft",
                  "submitted", {"total_claimed": [None, str(total)]})
            if rules:
                entry(decided_at, None, "decide_by_rules", "claims", claim_id, number,
                      "submitted", "approved")
            elif status != "submitted":
                review_at = submitted_at + (decided_at - submitted_at) / 2 if decided_at else \
                    submitted_at + timedelta(hours=5)
                review_at = min(review_at, self.now - timedelta(minutes=20))
                entry(review_at, self.tech[0], "start_review", "claims", claim_id, number,
                      "submitted", "under_review")
                if decided_at is not None:
                    entry(decided_at, decider, "decide", "claims", claim_id, number,
                          "under_review", status)
            if forwarded_at is not None:
                entry(forwarded_at, rep, "forward", "claims", claim_id, number, status,
                      "forwarded")
            if finance_at is not None:
                entry(finance_at, finance_by, "finance_approve", "claims", claim_id, number,
                      "forwarded", "approved" if stage != "rejected" else "rejected")
        for notice_id, (d_index, number, _status, issued_at, issuer, confirmed_at) in \
                self.notice_rows.items():
            if d_index != 0:
                continue
            entry(issued_at, issuer, "issue", "write_off_notices", notice_id, number, None,
                  "issued")
            if confirmed_at is not None:
                entry(confirmed_at, self.bench_dealer_user, "confirm", "write_off_notices",
                      notice_id, number, "issued", "confirmed")
        rows.sort(key=lambda r: r[0])
        for row in rows:
            sink.add("audit_entries", (self.next_id("audit_entries"), *row))

    # ------------------------------------------------------------------ ledger
    def _ledger(self) -> None:
        rng, sink, today = self.rng, self.sink, self.today
        sink.columns("ledger_entries", ["id", "dealer_id", "kind", "entry_date", "reference",
                                        "memo", "amount", "notice_id", "source",
                                        "created_by_id", "created_at"])
        start = month_start(today - timedelta(days=365 * YEARS))
        fin = self.finance[0]
        for d_index in self.order:
            dealer = self.dealers[d_index]
            if d_index == self.new:
                continue  # no business with the maker yet
            dealer_id = dealer[0]
            end = self.old_last_failure if d_index == self.old else today
            size = max(1, len(self.sold[d_index]))
            sink.add("ledger_entries", (
                self.next_id("ledger_entries"), dealer_id, "opening", start, "OPEN-" + dealer[1],
                "期初余额", Decimal(rng.randint(0, 200) * 1000) + Decimal("0.00"), None, "excel",
                fin, at(start, rng)))
            month = start
            n = 0
            while month < end:
                n += 1
                day = month + timedelta(days=rng.randint(3, 25))
                if day < end:
                    amount = Decimal(size * rng.randint(40, 90) * 100) / 36
                    amount = amount.quantize(CENT)
                    sink.add("ledger_entries", (
                        self.next_id("ledger_entries"), dealer_id, "invoice", day,
                        f"INV{day:%Y%m}{dealer_id:05d}{n:03d}", "整机及配件发货", amount, None,
                        "excel", fin, at(day, rng)))
                    pay_day = day + timedelta(days=rng.randint(10, 40))
                    if pay_day < end:
                        sink.add("ledger_entries", (
                            self.next_id("ledger_entries"), dealer_id, "payment", pay_day,
                            f"PAY{pay_day:%Y%m}{dealer_id:05d}{n:03d}", "货款回笼",
                            -(amount * Decimal(rng.randint(85, 100)) / 100).quantize(CENT),
                            None, "excel", fin, at(pay_day, rng)))
                month = add_months(month, 1)
        for dealer_id, day, notice_id, number, total, confirm_at, d_index in self.offsets:
            sink.add("ledger_entries", (
                self.next_id("ledger_entries"), dealer_id, "offset", day, number,
                f"三包费用核销 {number}", -total, notice_id, "notice",
                self.bench_dealer_user if d_index == 0 else self.dealers[d_index][4],
                confirm_at))

    # ------------------------------------------------------------------ service register
    def _service_requests(self) -> None:
        rng, sink, today = self.rng, self.sink, self.today
        sink.columns("service_requests", [
            "id", "number", "channel", "received_at", "customer_name", "customer_phone",
            "phone_digits", "location", "unit_id", "description", "urgency", "status",
            "received_by_dealer_id", "registered_by_id", "registered_at", "assignee", "dealer_id",
            "assigned_user_id", "routed_at", "routed_by_id", "arrange_due_at", "check_due_at",
            "arranged_at", "arranged_by_id", "plan", "planned_for", "who_goes", "customer_told",
            "checked_at", "checked_by_id", "closed_at", "closed_by_id", "outcome"])
        first = today - timedelta(days=365 * YEARS)
        span = (today - first).days
        moments = sorted(at(first + timedelta(days=rng.randrange(span + 1)), rng, 7, 12)
                         for _ in range(self.n_requests))
        seq: dict[int, int] = {}
        weights = [len(s) + 1 for s in self.sold]
        weights[self.new] = 0
        old_end = datetime.combine(self.old_last_failure, time(0), SHANGHAI)
        dealer_picks = rng.choices(range(len(self.dealers)), weights, k=self.n_requests)
        for received, d_index in zip(moments, dealer_picks, strict=True):
            if received >= self.now:
                received = self.now - timedelta(minutes=rng.randint(5, 600))
            if d_index == self.old and received >= old_end:
                d_index = 0  # the old dealer takes no calls any more: the bench dealer does
            dealer = self.dealers[d_index]
            sold = self.sold[d_index]
            unit_id = rng.choice(sold)[0] if sold and rng.random() < 0.8 else None
            year = received.astimezone(SHANGHAI).year
            seq[year] = seq.get(year, 0) + 1
            own = rng.random() < 0.6  # the dealer took the call itself
            age_h = (self.now - received).total_seconds() / 3600
            routed = received + timedelta(minutes=rng.randint(5, 90))
            arranged = routed + timedelta(minutes=rng.randint(10, 150))
            checked = arranged + timedelta(minutes=rng.randint(30, 300))
            closed = checked + timedelta(days=rng.randint(1, 10))
            if age_h > 24 * 12:
                status = "closed"
            else:
                status = rng.choice(("new", "routed", "arranged", "checked", "closed"))
                if own and status == "new":
                    status = "routed"
            stage = ["new", "routed", "arranged", "checked", "closed"].index(status)
            now_ok = [m if m < self.now and stage >= i else None
                      for i, m in ((1, routed), (2, arranged), (3, checked), (4, closed))]
            if own:
                now_ok[0] = received
            routed_at, arranged_at, checked_at, closed_at = now_ok
            sink.add("service_requests", (
                self.next_id("service_requests"),
                f"FW{year}{self.numbered('service_request', year, seq[year]):06d}",
                rng.choice(("phone", "phone", "phone", "visit", "letter", "online")), received,
                person(rng), (tel := phone(rng)), digits_only(tel), f"{dealer[3]}某乡某村", unit_id,
                rng.choice(DESCRIPTIONS), "urgent" if rng.random() < 0.2 else "normal", status,
                dealer[0] if own else None, dealer[4] if own else self.clerk, received,
                "dealer" if routed_at else None, dealer[0] if routed_at else None, None,
                routed_at, (dealer[4] if own else self.clerk) if routed_at else None,
                received + timedelta(hours=2),
                routed_at + timedelta(hours=4) if routed_at else None, arranged_at,
                dealer[4] if arranged_at else None, "安排服务人员上门维修" if arranged_at else "",
                arranged_at + timedelta(hours=rng.randint(2, 30)) if arranged_at else None,
                person(rng) if arranged_at else "", bool(arranged_at), checked_at,
                self.clerk if checked_at else None, closed_at,
                self.clerk if closed_at else None, "已修复，用户满意" if closed_at else ""))
