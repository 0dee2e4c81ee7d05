"""The demo data set, as plain tables."""

from datetime import date, timedelta
from decimal import Decimal as D

PASSWORD = "Sanbao2026"

# code, name, province, city, grade, rep
DEALERS = [
    ("SD-JN01", "济南丰收农机销售有限公司", "山东省", "济南市", "a", "rep_li"),
    ("SD-WF02", "潍坊沃土农业机械有限公司", "山东省", "潍坊市", "b", "rep_li"),
    ("HA-ZZ01", "郑州中原农机服务中心", "河南省", "郑州市", "a", "rep_li"),
    ("HA-ZK02", "周口金穗农机有限公司", "河南省", "周口市", "c", "rep_li"),
    ("HE-SJ01", "石家庄冀农机械销售有限公司", "河北省", "石家庄市", "b", "rep_li"),
    ("JS-XZ01", "徐州苏北农机有限公司", "江苏省", "徐州市", "b", "rep_li"),
    ("AH-FY01", "阜阳皖北农机经营部", "安徽省", "阜阳市", "c", "rep_wang"),
    ("HL-HB01", "哈尔滨北大荒农机销售公司", "黑龙江省", "哈尔滨市", "a", "rep_wang"),
    ("JL-CC01", "长春黑土地农机有限公司", "吉林省", "长春市", "b", "rep_wang"),
    ("NM-CF01", "赤峰草原农牧机械有限公司", "内蒙古自治区", "赤峰市", "c", "rep_wang"),
    ("XJ-CJ01", "昌吉天山农机服务有限公司", "新疆维吾尔自治区", "昌吉回族自治州", "d", "rep_wang"),
    ("HB-XY01", "襄阳汉江农机有限公司", "湖北省", "襄阳市", "d", "rep_wang"),
]

# username, display name, role, phone
HEAD_OFFICE = [
    ("admin", "系统管理员", "admin", "0531-88660000"),
    ("clerk_zhao", "赵敏（销售内勤）", "clerk", "0531-88660101"),
    ("rep_li", "李强（销售业务员）", "sales_rep", "13953100201"),
    ("rep_wang", "王磊（销售业务员）", "sales_rep", "13953100202"),
    ("tech_chen", "陈工（技术部）", "technical", "0531-88660301"),
    ("fin_sun", "孙会计（财务部）", "finance", "0531-88660401"),
]

TRACTOR_MAIN = ("机体、气缸盖、飞轮、机架、变速箱体、半轴壳体、转向器壳体、差速器壳体、"
                "最终传动箱体、制动鼓、牵引板、提升器壳体")
COMBINE_MAIN = "机体、气缸盖、飞轮、机架、变速箱体、离合器壳体、转向器、最终传动箱体"
ENGINE_MAIN = "机体、气缸盖、飞轮"

# code, name, category, whole, main, wear, running-in hours, main parts named
MODELS = [
    ("SB-504", "SB-504 轮式拖拉机（50马力）", "tractor_large", 12, 24, 6, 50, TRACTOR_MAIN),
    ("SB-904", "SB-904 轮式拖拉机（90马力）", "tractor_large", 12, 24, 6, 60, TRACTOR_MAIN),
    ("SB-184", "SB-184 小四轮拖拉机（18马力）", "tractor_small", 9, 18, 3, 30, TRACTOR_MAIN),
    ("SB-4LZ6", "SB-4LZ-6 自走式谷物联合收割机", "combine", 12, 24, 6, 40, COMBINE_MAIN),
    ("SB-4D28", "SB-4D28 四缸柴油机", "diesel_engine", 12, 24, 6, 50, ENGINE_MAIN),
]

# The maker's discount standard (折扣标准) for a machine returned in an exchange or refund, the
# same for every category it sells (its choice; the catalogue's page changes it): the whole
# dealer price within 3 whole months in use, 95 % to 12, 90 % after.
DISCOUNT_STANDARD = [(0, D("100")), (3, D("95")), (12, D("90"))]

# number stem, name, kind, price, return required, own months, supplier, model codes
_T = ["SB-504", "SB-904", "SB-184"]
_ALL_ENGINES = ["SB-504", "SB-904", "SB-184", "SB-4LZ6", "SB-4D28"]
PART_FAMILIES = [
    ("JT", "机体", "main", D("3860.00"), True, None, "潍柴动力配套厂", _ALL_ENGINES),
    ("GG", "气缸盖", "main", D("1250.00"), True, None, "潍柴动力配套厂", _ALL_ENGINES),
    ("FL", "飞轮", "main", D("680.00"), True, None, "常州飞轮厂", _ALL_ENGINES),
    ("JJ", "机架", "main", D("2200.00"), True, None, "本厂结构件车间", _T + ["SB-4LZ6"]),
    ("BX", "变速箱体", "main", D("2980.00"), True, None, "洛阳齿轮箱厂", _T + ["SB-4LZ6"]),
    ("BZ", "半轴壳体", "main", D("860.00"), True, None, "洛阳齿轮箱厂", _T),
    ("ZX", "转向器壳体", "main", D("540.00"), True, None, "浙江转向器有限公司", _T),
    ("CS", "差速器壳体", "main", D("920.00"), True, None, "洛阳齿轮箱厂", _T),
    ("ZC", "最终传动箱体", "main", D("1380.00"), True, None, "洛阳齿轮箱厂", _T + ["SB-4LZ6"]),
    ("ZD", "制动鼓", "main", D("310.00"), True, None, "山东制动件厂", _T),
    ("QY", "牵引板", "main", D("260.00"), True, None, "本厂结构件车间", _T),
    ("TS", "提升器壳体", "main", D("1120.00"), True, None, "江苏液压件厂", _T),
    ("LH", "离合器壳体", "main", D("760.00"), True, None, "本厂铸造车间", ["SB-4LZ6"]),
    ("LP", "离合器从动盘", "wear", D("185.00"), True, 6, "湖北离合器厂", _T + ["SB-4LZ6"]),
    ("SC", "制动蹄片", "wear", D("96.00"), True, 6, "山东制动件厂", _T),
    ("PD", "三角皮带", "wear", D("42.00"), False, 3, "宁波皮带厂", _ALL_ENGINES),
    ("KL", "空气滤清器滤芯", "wear", D("38.50"), False, 3, "蚌埠滤清器厂", _ALL_ENGINES),
    ("JL", "机油滤清器", "wear", D("26.00"), False, 3, "蚌埠滤清器厂", _ALL_ENGINES),
    ("RL", "燃油滤清器", "wear", D("24.00"), False, 3, "蚌埠滤清器厂", _ALL_ENGINES),
    ("PY", "喷油器总成", "other", D("265.00"), True, 12, "无锡油泵油嘴厂", _ALL_ENGINES),
    ("YB", "喷油泵总成", "other", D("1480.00"), True, 12, "无锡油泵油嘴厂", _ALL_ENGINES),
    ("HS", "活塞环组件", "wear", D("118.00"), True, 6, "安庆活塞环厂", _ALL_ENGINES),
    ("SB", "水泵总成", "other", D("235.00"), True, 12, "河北水泵厂", _ALL_ENGINES),
    ("FD", "发电机", "other", D("420.00"), True, 12, "湖北电机厂", _ALL_ENGINES),
    ("QD", "起动机", "other", D("560.00"), True, 12, "湖北电机厂", _ALL_ENGINES),
    ("ZC6", "前桥轴承", "wear", D("58.00"), False, 6, "瓦房店轴承厂", _T),
    ("YF", "后桥油封", "wear", D("18.50"), False, 3, "青岛油封厂", _T),
    ("DD", "前大灯总成", "other", D("88.00"), False, 6, "丹阳车灯厂", _T + ["SB-4LZ6"]),
    ("GD", "割刀总成", "wear", D("326.00"), True, 3, "本厂收获机车间", ["SB-4LZ6"]),
    ("TL", "脱粒滚筒纹杆", "wear", D("148.00"), True, 3, "本厂收获机车间", ["SB-4LZ6"]),
    ("SL", "输送链条", "wear", D("212.00"), True, 3, "杭州链条厂", ["SB-4LZ6"]),
    ("YY", "液压油泵", "other", D("980.00"), True, 12, "江苏液压件厂", _T + ["SB-4LZ6"]),
    ("ZQ", "转向油缸", "other", D("460.00"), True, 12, "江苏液压件厂", _T),
    ("QL", "前轮轮辋", "other", D("330.00"), True, 12, "本厂结构件车间", _T),
    ("HZ", "后减震器", "other", D("145.00"), True, 12, "浙江减震器厂", ["SB-4LZ6"]),
    ("ZS", "增压器", "other", D("1650.00"), True, 12, "无锡增压器厂", ["SB-904", "SB-4D28"]),
]

# code, description, standard hours per category
FAULT_CODES = [
    ("E01", "发动机无法启动", {"tractor_large": "3.0", "tractor_small": "2.0", "combine": "3.5",
                               "diesel_engine": "3.0"}),
    ("E02", "发动机冒黑烟、功率不足", {"tractor_large": "4.0", "tractor_small": "3.0",
                                       "combine": "4.5", "diesel_engine": "4.0"}),
    ("E03", "发动机异响", {"tractor_large": "6.0", "tractor_small": "4.5", "combine": "6.5",
                           "diesel_engine": "6.0"}),
    ("E04", "机油压力低", {"tractor_large": "3.5", "tractor_small": "2.5", "combine": "3.5",
                           "diesel_engine": "3.0"}),
    ("E05", "水温过高", {"tractor_large": "2.5", "tractor_small": "2.0", "combine": "3.0",
                         "diesel_engine": "2.5"}),
    ("E06", "缸体裂纹、漏水", {"tractor_large": "12.0", "tractor_small": "9.0",
                               "combine": "14.0", "diesel_engine": "10.0"}),
    ("T01", "离合器打滑或分离不彻底", {"tractor_large": "5.0", "tractor_small": "4.0",
                                       "combine": "6.0"}),
    ("T02", "变速箱挂挡困难、跳挡", {"tractor_large": "8.0", "tractor_small": "6.0",
                                     "combine": "9.0"}),
    ("T03", "后桥异响、漏油", {"tractor_large": "6.0", "tractor_small": "4.5"}),
    ("T04", "制动失灵", {"tractor_large": "3.0", "tractor_small": "2.5"}),
    ("H01", "液压提升无力", {"tractor_large": "4.0", "tractor_small": "3.0"}),
    ("H02", "转向沉重", {"tractor_large": "3.5", "tractor_small": "2.5", "combine": "4.0"}),
    ("L01", "电气系统不充电", {"tractor_large": "2.0", "tractor_small": "1.5", "combine": "2.0",
                               "diesel_engine": "1.5"}),
    ("C01", "割台堵塞、割刀损坏", {"combine": "4.0"}),
    ("C02", "脱粒不净、滚筒损坏", {"combine": "6.0"}),
    ("C03", "输送链断裂", {"combine": "3.0"}),
    ("F01", "机架开焊、断裂", {"tractor_large": "8.0", "tractor_small": "6.0", "combine": "10.0"}),
]

# The regulation's serious quality problems: a main part scrapped, or safety at stake (brakes,
# steering, frame). The others are general problems.
SERIOUS_FAULTS = {"E03", "E06", "T02", "T03", "T04", "H02", "F01"}

LABOUR_RATES = {"a": D("60.00"), "b": D("55.00"), "c": D("50.00"), "d": D("45.00")}

TRAVEL_BANDS = [(0, 30, D("50.00")), (30, 60, D("100.00")), (60, 100, D("160.00")),
                (100, 150, D("220.00")), (150, None, D("300.00"))]

# The operating seasons dealers plan for, as (month, day) of start and end, by the year they
# fall in: tractors work the fields in spring and autumn, combines harvest wheat in the
# central provinces in early summer and maize in the north-east in autumn. Dealers sell
# tractors and engines from mid-January into spring.
TRACTORS = ["tractor_large", "tractor_small"]
TRACTOR_SEASONS = [("春季作业季", (3, 10), (6, 15)), ("秋季作业季", (9, 15), (11, 15))]
HARVESTS = [("三夏小麦收获", (5, 25), (6, 25), ["河南省", "山东省", "河北省", "江苏省", "安徽省"]),
            ("秋收玉米收获", (9, 20), (10, 31),
             ["黑龙江省", "吉林省", "内蒙古自治区", "新疆维吾尔自治区"])]
SELLING = ("春季销售季", (1, 15), (4, 30), [*TRACTORS, "diesel_engine"])
HISTORY_DAYS = 760  # the demo's units and repairs reach this far back
# The last tractor season's plans were due at least this long ago, so every one of them has
# been submitted (the latest 13 days late), reviewed and shipped (portal/demo/plans.py).
PLANS_SETTLED_DAYS = 45


def _on(year: int, month_day: tuple[int, int]) -> date:
    return date(year, *month_day)


def tractor_seasons(today: date, lead_days: int) -> tuple[list[tuple], tuple, tuple]:
    """(history, last, coming) tractor seasons as (name, start, end): ``last`` is the latest
    whose plans were due ``PLANS_SETTLED_DAYS`` or more before ``today``, ``coming`` the one
    after it, ``history`` those before ``last`` back to ``HISTORY_DAYS`` ago."""
    every = [(f"{year} {name}", _on(year, start), _on(year, end))
             for year in range(today.year - 3, today.year + 2)
             for name, start, end in TRACTOR_SEASONS]
    settled = [n for n, (_name, start, _end) in enumerate(every)
               if start - timedelta(days=lead_days - PLANS_SETTLED_DAYS) <= today]
    last = settled[-1]
    first = today - timedelta(days=HISTORY_DAYS)
    history = [s for s in every[:last] if s[1] >= first]
    return history, every[last], every[last + 1]


def seasons(today: date, lead_days: int) -> list[tuple]:
    """The seasons as of ``today``: (name, kind, start, end, categories, provinces (none =
    all), stocking plan required). The portal took stocking plans over from paper with the
    last tractor season (``tractor_seasons``); the earlier ones are history (failure rates,
    units deemed sold). The coming tractor season and the next harvests ask for plans too."""
    history, last, coming = tractor_seasons(today, lead_days)
    rows = [(name, "operating", start, end, TRACTORS, [], False) for name, start, end in history]
    rows += [(name, "operating", start, end, TRACTORS, [], True) for name, start, end in
             (last, coming)]
    for name, start, end, provinces in HARVESTS:
        year = today.year + (_on(today.year, start) - timedelta(days=lead_days) < today)
        rows.append((f"{year} {name}", "operating", _on(year, start), _on(year, end),
                     ["combine"], provinces, True))
    name, start, end, categories = SELLING
    year = today.year + (_on(today.year, end) < today)
    rows.append((f"{year} {name}", "selling", _on(year, start), _on(year, end), categories, [],
                 False))
    return rows


PART_FAMILIES += [
    ("QT", "前轮胎 7.50-16", "other", D("680.00"), False, 12, "青岛轮胎厂", ["SB-504", "SB-904"]),
    ("HT", "后轮胎 14.9-28", "other", D("1580.00"), False, 12, "青岛轮胎厂", ["SB-504", "SB-904"]),
    ("SR", "散热器总成", "other", D("720.00"), True, 12, "山东散热器厂", _ALL_ENGINES),
    ("YD", "仪表总成", "other", D("390.00"), True, 12, "本厂电气车间", _T + ["SB-4LZ6"]),
    ("ZY", "驾驶座椅", "other", D("260.00"), False, 12, "本厂内饰车间", _T + ["SB-4LZ6"]),
]

# The engine of the small tractor, of the combine and the loose engine differ from
# the big tractors', so engine families carry one part number per platform.
PLATFORMS = {
    "L": ["SB-504", "SB-904"],
    "S": ["SB-184"],
    "C": ["SB-4LZ6"],
    "E": ["SB-4D28"],
}


# Key parts watched by the early warning on production batches: the castings and structures whose
# failure in one batch would be a batch accident (the seeds name axles, differentials, frames).
KEY_PARTS = {"JT", "JJ", "BZ", "CS", "ZC", "BX"}

# Wear parts consumed in routine service per working unit and operating season (a season is
# some 300 engine hours: filters at every service, belts and brake shoes now and then).
SEASON_CONSUMPTION = {"KL": D("0.8"), "JL": D("1.0"), "RL": D("0.8"), "PD": D("0.3"),
                      "SC": D("0.15"), "LP": D("0.05"), "YF": D("0.1"), "ZC6": D("0.05"),
                      "HS": D("0.02"), "GD": D("0.3"), "TL": D("0.1"), "SL": D("0.05")}


def parts():
    """Yield (part_number, name, kind, price, return_required, months, supplier, models)."""
    for stem, name, kind, price, ret, months, supplier, models in PART_FAMILIES:
        groups = [(code, [m for m in fits if m in models]) for code, fits in PLATFORMS.items()]
        groups = [(code, fits) for code, fits in groups if fits]
        if len(groups) > 2:
            # Merge the combine and engine variants: they share the big engine.
            merged = [g for g in groups if g[0] in "LS"]
            rest = [m for code, fits in groups if code not in "LS" for m in fits]
            groups = merged + ([("C", rest)] if rest else [])
        for code, fits in groups:
            factor = D("0.70") if code == "S" else D("1.00")
            label = {"L": "", "S": "（小四轮）", "C": "（收获机/发动机）", "E": "（发动机）"}[code]
            yield (f"SB-{stem}-{code}", name + label, kind, (price * factor).quantize(D("0.01")),
                   ret, months, supplier, fits)
