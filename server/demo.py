"""Realistic demo data in English and Chinese, for ``flask seed-demo``.

One company serves two cities: Shanghai (Chinese-speaking customers, Chinese brands,
徐汇区 / 浦东新区 …) and London (English-speaking customers, European brands, Camden …).
``seed`` adds the office staff and their escalation chain, six technicians with vans,
forty customers with their appliances, a parts catalogue with stock and its ledger,
sixty work orders walked through the state machine with back-dated, time-ordered
histories, surveys, complaints and knowledge articles; then it grades every SLA.

Records are made through the services where one exists. ``seed`` flushes and never
commits: the command that calls it commits once. For a given ``now`` the data is always
the same, because every choice comes from one ``random.Random`` with a fixed seed.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from .accounts import service as accounts
from .accounts.models import User
from .assets import service as assets
from .assets.models import Asset
from .customers import service as customers
from .customers.models import Address, Customer
from .database import utcnow
from .errors import Conflict
from .extensions import db
from .feedback.models import Complaint, Survey
from .inventory import service as inventory
from .inventory.models import LocationKind, Part, StockLevel, StockLocation, StockMovement
from .billing import demo as billing_demo
from .checklists import demo as checklist_demo
from .inventory import demo as stock_demo
from .knowledge import service as knowledge
from .knowledge.models import KnowledgeArticle, KnowledgeArticleVersion
from .media import blobs
from .media import service as media
from .reports import service as report_service
from .reports import triggers as report_triggers
from .reports.content import content_hash, signed_content
from .technicians.models import Technician
from .technicians.service import create_technician
from .warranty import demo as warranty_demo
from .returns import demo as returns_demo
from .settings import service as settings
from .workorders import service as orders
from .workorders import sla
from .workorders.lifecycle import Status
from .workorders.models import PartUsage, TimeLog, WorkOrder, WorkOrderEvent, WorkOrderNote

DEMO_PASSWORD = "doorstep-demo"
DEMO_DOMAIN = "demo.doorstep"
RANDOM_SEED = 20240517

ZH, EN = 0, 1  # index into the (Chinese, English) pairs below


def _lang(pair: tuple[str, str], language: str) -> str:
    return pair[ZH] if language == "zh" else pair[EN]


# --- Places -------------------------------------------------------------------------------

@dataclass(frozen=True)
class District:
    name: str
    postcode: str
    latitude: float
    longitude: float
    streets: tuple[str, ...]
    estates: tuple[str, ...] = ()


@dataclass(frozen=True)
class City:
    key: str
    name: str
    country: str
    timezone: str
    language: str
    districts: tuple[District, ...]


SHANGHAI = City("shanghai", "上海市", "CN", "Asia/Shanghai", "zh", (
    District("徐汇区", "200030", 31.188, 121.437, ("漕溪北路", "天钥桥路", "宜山路", "田林路"),
             ("汇翠花园", "田林十二村", "徐汇苑")),
    District("浦东新区", "200120", 31.228, 121.525, ("张杨路", "浦东南路", "东方路", "潍坊路"),
             ("世茂滨江花园", "潍坊新村", "仁恒滨江园")),
    District("静安区", "200040", 31.229, 121.448, ("江宁路", "延安中路", "武定路", "昌平路"),
             ("静安豪景苑", "达安花园")),
    District("长宁区", "200050", 31.220, 121.424, ("愚园路", "虹桥路", "天山路"),
             ("天山新村", "虹桥新城")),
    District("闵行区", "201100", 31.112, 121.382, ("沪闵路", "莘松路", "七莘路"),
             ("莘庄新村", "春申景城")),
))
LONDON = City("london", "London", "GB", "Europe/London", "en", (
    District("Camden", "NW1", 51.539, -0.142,
             ("Camden Road", "Royal College Street", "Albert Street", "Delancey Street")),
    District("Islington", "N1", 51.536, -0.103,
             ("Upper Street", "Liverpool Road", "Essex Road", "Barnsbury Road")),
    District("Lambeth", "SE11", 51.488, -0.116,
             ("Kennington Road", "Black Prince Road", "Renfrew Road", "Kennington Lane")),
    District("Hackney", "E8", 51.545, -0.056,
             ("Mare Street", "Graham Road", "Richmond Road", "Dalston Lane")),
    District("Southwark", "SE1", 51.502, -0.091,
             ("Borough Road", "Great Suffolk Street", "Southwark Bridge Road")),
    District("Westminster", "SW1P", 51.495, -0.137,
             ("Vincent Square", "Rochester Row", "Regency Street")),
))
CITIES = (SHANGHAI, LONDON)
# England's bank holidays (gov.uk), for the demo's London calendar.
LONDON_BANK_HOLIDAYS = (
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
    "2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
    "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28")

# --- People -------------------------------------------------------------------------------

# (local part of the e-mail, name, locale, role); the supervisor and the manager are
# dispatchers at the top of the escalation chain.
OFFICE_STAFF = (
    ("admin", "Demo Admin", "en", "admin"),
    ("dispatcher", "Sarah Mitchell", "en", "dispatcher"),
    ("dispatcher.zh", "陈晓梅", "zh", "dispatcher"),
    ("supervisor", "Daniel Brooks", "en", "dispatcher"),
    ("manager", "王志刚", "zh", "dispatcher"),
)

@dataclass(frozen=True)
class TechnicianSpec:
    name: str
    city: City
    region: str
    home_base: str
    latitude: float
    longitude: float
    categories: tuple[str, ...]
    job_types: tuple[str, ...]


TECHNICIANS = (
    TechnicianSpec("李伟", SHANGHAI, "徐汇区", "徐汇服务网点（宜山路 700 号）", 31.177, 121.420,
                   ("air_conditioner", "refrigerator", "washing_machine"),
                   ("repair", "install", "maintenance")),
    TechnicianSpec("张磊", SHANGHAI, "浦东新区", "浦东服务网点（张杨路 1500 号）", 31.229, 121.530,
                   ("washing_machine", "water_heater", "range_hood"),
                   ("repair", "install", "maintenance")),
    TechnicianSpec("王强", SHANGHAI, "静安区", "静安服务网点（江宁路 420 号）", 31.236, 121.446,
                   ("air_conditioner", "water_heater", "range_hood", "refrigerator"),
                   ("repair", "maintenance")),
    TechnicianSpec("James Wilson", LONDON, "Camden", "Kentish Town depot, NW5", 51.550, -0.140,
                   ("washing_machine", "refrigerator", "air_conditioner"),
                   ("repair", "install", "maintenance")),
    TechnicianSpec("Priya Patel", LONDON, "Lambeth", "Vauxhall depot, SE11", 51.486, -0.123,
                   ("water_heater", "range_hood", "washing_machine"),
                   ("repair", "install", "maintenance")),
    TechnicianSpec("Tom Clarke", LONDON, "Hackney", "Mare Street depot, E8", 51.545, -0.056,
                   ("refrigerator", "water_heater", "range_hood", "air_conditioner"),
                   ("repair", "maintenance")),
)

CHINESE_CUSTOMERS = (
    "王秀英", "李建国", "张伟", "刘芳", "陈静", "杨洋", "赵敏", "黄磊", "周杰", "吴桂兰",
    "徐明", "孙丽", "马俊", "朱红梅", "胡志强", "郭晓燕", "何平", "高峰", "林小红", "罗文",
)
ENGLISH_CUSTOMERS = (
    "Margaret Thompson", "Oliver Bennett", "Amelia Hughes", "George Patel", "Charlotte Evans",
    "Harry Robinson", "Sophie Walker", "Jack Turner", "Emily Wright", "Thomas Green",
    "Grace O'Connor", "Samuel Adeyemi", "Lucy Harris", "Daniel Cohen", "Hannah Murphy",
    "William Clarke", "Chloe Edwards", "Mohammed Rahman", "Isabel Fernandes", "Edward Hall",
)
MORNINGS_ONLY = ("老人在家，只约上午", "elderly at home, mornings only")
CALL_FIRST = ("到达前请先电话联系", "call before arriving")
PREFERENCES = (
    (MORNINGS_ONLY,), (CALL_FIRST,), (MORNINGS_ONLY, CALL_FIRST),
    (("家里有狗，进门前请先电话", "dog in the house, please ring first"),),
    (("工作日18点以后或周末", "weekday evenings or Saturdays only"),),
    (("请穿鞋套", "please wear shoe covers"),),
    (), (), (),
)
ACCESS_NOTES = (
    ("门禁密码 1203#，电梯到 12 楼", "Buzzer 3, second floor, no lift"),
    ("小区南门进，地下车库 B2 可临时停车", "Parking: pay & display on the street"),
    ("出电梯右转，门口有鞋柜", "Key safe by the back door; code given on the phone"),
    None, None,
)

# --- Products and parts -------------------------------------------------------------------

CATEGORY_NAMES = {
    "air_conditioner": ("空调", "air conditioner"),
    "washing_machine": ("洗衣机", "washing machine"),
    "water_heater": ("热水器", "water heater"),
    "refrigerator": ("冰箱", "fridge freezer"),
    "range_hood": ("油烟机", "cooker hood"),
}
CATEGORY_CODES = {"air_conditioner": "AC", "washing_machine": "WM", "water_heater": "WH",
                  "refrigerator": "RF", "range_hood": "RH"}
# How likely each category is among a household's appliances, per city.
CATEGORY_WEIGHTS = {
    "shanghai": {"air_conditioner": 5, "washing_machine": 3, "water_heater": 3,
                 "refrigerator": 3, "range_hood": 3},
    "london": {"air_conditioner": 1, "washing_machine": 5, "water_heater": 3,
               "refrigerator": 4, "range_hood": 2},
}


@dataclass(frozen=True)
class Product:
    category: str
    brand: str
    brand_zh: str
    model: str
    city: str
    serial_prefix: str
    fuel: str | None = None  # water heaters: gas or electric


PRODUCTS = (
    Product("air_conditioner", "Gree", "格力", "KFR-35GW/NhGc1B", "shanghai", "GR35"),
    Product("air_conditioner", "Midea", "美的", "KFR-26GW/N8XHC1", "shanghai", "MD26"),
    Product("air_conditioner", "Haier", "海尔", "KFR-35GW/05EDS83", "shanghai", "HE35"),
    Product("air_conditioner", "Daikin", "大金", "FTXM35R", "london", "DK"),
    Product("air_conditioner", "Mitsubishi Electric", "三菱电机", "MSZ-LN35VG", "london", "ME"),
    Product("washing_machine", "Little Swan", "小天鹅", "TG100V88WMUIADY5", "shanghai", "LS"),
    Product("washing_machine", "Haier", "海尔", "XQG100-B12926", "shanghai", "HXQ"),
    Product("washing_machine", "Midea", "美的", "MG100V11F", "shanghai", "MG"),
    Product("washing_machine", "Bosch", "博世", "WAN28281GB", "london", "FD"),
    Product("washing_machine", "Samsung", "三星", "WW90T534DAW", "london", "0B7"),
    Product("washing_machine", "Siemens", "西门子", "WM14N202GB", "london", "SWM"),
    Product("water_heater", "A.O. Smith", "A.O.史密斯", "E60VN3-C", "shanghai", "AOS", "electric"),
    Product("water_heater", "Haier", "海尔", "EC6002-MC3", "shanghai", "HEC", "electric"),
    Product("water_heater", "Rinnai", "林内", "JSQ31-C05", "shanghai", "RN", "gas"),
    Product("water_heater", "Vaillant", "威能", "ecoTEC plus 832", "london", "21", "gas"),
    Product("water_heater", "Worcester Bosch", "博世沃切斯特", "Greenstar 30i", "london", "WB",
            "gas"),
    Product("water_heater", "Ariston", "阿里斯顿", "Andris Lux 30", "london", "AR", "electric"),
    Product("refrigerator", "Haier", "海尔", "BCD-470WDPG", "shanghai", "BH470"),
    Product("refrigerator", "Midea", "美的", "BCD-516WKPZM", "shanghai", "BM516"),
    Product("refrigerator", "Siemens", "西门子", "KA92NV02TI", "shanghai", "SKA"),
    Product("refrigerator", "Samsung", "三星", "RS68A8840S9", "london", "RS"),
    Product("refrigerator", "Bosch", "博世", "KGN39VLEAG", "london", "FDK"),
    Product("range_hood", "Fotile", "方太", "EMG9030", "shanghai", "FT"),
    Product("range_hood", "Robam", "老板", "CXW-200-27A3H", "shanghai", "RB"),
    Product("range_hood", "Midea", "美的", "CXW-280-J25", "shanghai", "MJ"),
    Product("range_hood", "Bosch", "博世", "DWB97CM50B", "london", "FDH"),
    Product("range_hood", "Neff", "Neff", "D95IHM1S0B", "london", "NF"),
)
PREMIUM_BRANDS = {"Bosch", "Siemens", "Samsung", "Vaillant", "Worcester Bosch", "Neff",
                  "Daikin", "Mitsubishi Electric", "Fotile"}

PER_MODEL = None  # a part kind made in one variant per model of its category


@dataclass(frozen=True)
class PartKind:
    code: str
    name_en: str
    name_zh: str
    price_cny: int
    # (code, English label, Chinese label) per variant, or PER_MODEL.
    variants: tuple[tuple[str, str, str], ...] | None = PER_MODEL
    unit: str = "pcs"


def _one(label_en: str = "", label_zh: str = "") -> tuple[tuple[str, str, str], ...]:
    return (("STD", label_en, label_zh),)


def _specs(*labels: str) -> tuple[tuple[str, str, str], ...]:
    """Variants whose label reads the same in both languages, e.g. "35 µF"."""
    return tuple((re.sub(r"[^A-Z0-9]", "", label.upper()), label, label) for label in labels)


PART_KINDS: dict[str, tuple[PartKind, ...]] = {
    "air_conditioner": (
        PartKind("PCB", "Main control board", "主控板", 420),
        PartKind("ODPCB", "Outdoor unit control board", "外机控制板", 520),
        PartKind("FANIN", "Indoor fan motor", "室内风机电机", 260),
        PartKind("FANOUT", "Outdoor fan motor", "室外风机电机", 310),
        PartKind("DISP", "Display board", "显示板", 120),
        PartKind("REMOTE", "Remote control", "遥控器", 60),
        PartKind("CAP", "Compressor run capacitor", "压缩机运行电容", 45,
                 _specs("25 µF", "30 µF", "35 µF", "45 µF")),
        PartKind("REFR", "Refrigerant", "冷媒", 90, _specs("R32", "R410A"), unit="kg"),
        PartKind("FILTER", "Air filter mesh (pair)", "过滤网（一对）", 35,
                 (("S", "small", "小号"), ("L", "large", "大号"))),
        PartKind("NTC", "Temperature sensor", "温度传感器", 25, _specs("5 kΩ", "10 kΩ")),
        PartKind("4WV", "Four-way reversing valve", "四通阀", 180,
                 (("S", "2.6–3.5 kW", "2.6–3.5kW"), ("L", "5 kW and above", "5kW 以上"))),
        PartKind("LOUVRE", "Louvre motor", "摆叶电机", 40, _one()),
        PartKind("CPUMP", "Condensate pump", "冷凝水泵", 150, _one()),
        PartKind("INSTK", "Installation kit (3 m pipe, bracket, cable)",
                 "安装辅材包（3 米铜管、支架、电源线）", 260, _one()),
    ),
    "washing_machine": (
        PartKind("PCB", "Main control board", "电脑板", 380),
        PartKind("SEAL", "Door seal", "门封圈", 160),
        PartKind("MOTOR", "Drive motor", "驱动电机", 650),
        PartKind("LOCK", "Door interlock", "门锁", 85),
        PartKind("DISP", "Control panel display board", "显示板", 210),
        PartKind("DRAIN", "Drain pump", "排水泵", 120, _specs("30 W", "40 W")),
        PartKind("INLET", "Inlet valve", "进水阀", 70,
                 (("SGL", "single", "单路"), ("DBL", "double", "双路"))),
        PartKind("BEAR", "Drum bearing and seal kit", "轴承油封套件", 140,
                 _specs("6204/6205", "6205/6206", "6206/6207")),
        PartKind("BRUSH", "Motor carbon brushes (pair)", "电机碳刷（一对）", 45, _one()),
        PartKind("SHOCK", "Shock absorber", "减震器", 55, _specs("80 N", "100 N")),
        PartKind("HEAT", "Heating element", "加热管", 130, _specs("1800 W", "2000 W")),
        PartKind("LEVEL", "Water level sensor", "水位传感器", 65, _one()),
        PartKind("HOSE", "Inlet hose", "进水管", 30, _specs("1.5 m")),
    ),
    "water_heater": (
        PartKind("PCB", "Control board", "控制板", 320),
        PartKind("DISP", "Display panel", "显示面板", 150),
        PartKind("ELEM", "Heating element", "加热管", 160, _specs("1500 W", "2000 W", "3000 W")),
        PartKind("THERM", "Thermostat", "温控器", 85, _specs("75 °C", "85 °C")),
        PartKind("ANODE", "Magnesium anode rod", "镁棒", 60, _specs("300 mm", "400 mm")),
        PartKind("SAFV", "Pressure relief valve", "安全阀", 70, _specs("0.7 MPa", "0.8 MPa")),
        PartKind("IGN", "Igniter electrode", "点火针", 55, _one()),
        PartKind("FLAME", "Flame sensor", "熄火保护针", 48, _one()),
        PartKind("FLOW", "Water flow sensor", "水流传感器", 110, _one()),
        PartKind("FAN", "Combustion fan", "燃烧风机", 360, _one()),
        PartKind("GASV", "Gas proportional valve", "燃气比例阀", 420, _one()),
        PartKind("RCD", "Leakage protection plug", "漏电保护插头", 75, _specs("10 A", "16 A")),
        PartKind("NTC", "Temperature sensor", "温度传感器", 35, _one()),
        PartKind("EXPV", "Expansion vessel", "膨胀罐", 280, _one()),
    ),
    "refrigerator": (
        PartKind("PCB", "Main control board", "主控板", 450),
        PartKind("GASK", "Door gasket", "门封条", 180),
        PartKind("EVAPF", "Evaporator fan motor", "蒸发器风机", 150),
        PartKind("SHELF", "Glass shelf", "玻璃隔板", 90),
        PartKind("DRAWER", "Crisper drawer", "果蔬抽屉", 120),
        PartKind("DEFH", "Defrost heater", "化霜加热丝", 95, _specs("150 W", "200 W")),
        PartKind("DEFT", "Defrost thermostat", "化霜温控器", 40, _one()),
        PartKind("PTC", "Compressor start relay", "压缩机启动继电器", 55,
                 _specs("QP2-4R7", "QP3-15")),
        PartKind("NTC", "Temperature sensor", "温度传感器", 30, _one()),
        PartKind("WFILT", "Water filter", "净水滤芯", 160,
                 (("A", "type A", "A 型"), ("B", "type B", "B 型"))),
        PartKind("CONDF", "Condenser fan motor", "冷凝风机", 140, _one()),
        PartKind("DAMP", "Air damper", "风门", 120, _one()),
    ),
    "range_hood": (
        PartKind("MOTOR", "Fan motor", "电机", 480),
        PartKind("CTRL", "Control board", "控制板", 260),
        PartKind("GREASE", "Grease filter", "油网", 90),
        PartKind("IMPEL", "Impeller", "风轮", 150),
        PartKind("CAP", "Motor capacitor", "电机电容", 30, _specs("4 µF", "5 µF", "6 µF")),
        PartKind("LED", "LED lamp", "LED 照明灯", 35, _specs("1.5 W", "3 W")),
        PartKind("CHKV", "Check valve", "止回阀", 60, _specs("Ø150 mm", "Ø170 mm")),
        PartKind("DUCT", "Exhaust duct", "排烟管", 45, _specs("1 m", "2 m")),
        PartKind("CARB", "Carbon filter", "活性炭滤网", 80, _one()),
        PartKind("OILCUP", "Oil cup", "油杯", 15, _one()),
        PartKind("SWITCH", "Push-button switch", "按键开关", 55, _one()),
    ),
}
SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")

# --- What goes wrong, and what the technician finds -------------------------------------

@dataclass(frozen=True)
class Outcome:
    diagnosis: tuple[str, str]
    resolution: tuple[str, str]
    root_cause: str
    part: str | None = None  # PartKind code of the part fitted
    fuel: str | None = None  # only for water heaters of this fuel


@dataclass(frozen=True)
class Symptom:
    code: str
    category: str
    text: tuple[str, str]
    intake: tuple[dict[str, str], dict[str, str]]
    outcomes: tuple[Outcome, ...]
    emergency: bool = False
    fuel: str | None = None


def _same(answers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Intake answers that are choices: stored as their codes, the same in both languages."""
    return answers, answers


O = Outcome
SYMPTOMS = (
    Symptom("AC_NOT_COOLING", "air_conditioner",
            ("空调不制冷，出风口吹的是常温风", "Not cooling: the air from the vents is room temperature"),
            _same({"since": "days", "outdoor_unit": "no"}),
            (O(("压缩机运行电容鼓包，实测容量只剩标称值的 40%",
                "Compressor run capacitor bulged, measured 40 % of its rated value"),
               ("更换压缩机运行电容，试机 30 分钟，出风温度 13℃",
                "Replaced the run capacitor; after 30 min the outlet air was 13 °C"),
               "wear_and_tear", "CAP"),
             O(("低压偏低，外机截止阀接头处有油渍，判断冷媒泄漏",
                "Low suction pressure and oil at the service valve flare: refrigerant leak"),
               ("重新扩口紧固接头，保压检漏合格后补加冷媒",
                "Re-flared and tightened the joint, pressure-tested, recharged the refrigerant"),
               "refrigerant_leak", "REFR"))),
    Symptom("AC_WATER_LEAK", "air_conditioner",
            ("室内机漏水，滴到木地板上", "Indoor unit dripping water onto the floor"),
            _same({"near_electrics": "no", "amount": "drips"}),
            (O(("排水管被灰尘和霉菌堵塞", "Condensate drain blocked with dust and mould"),
               ("疏通排水管，清洗接水盘，倒水测试排水通畅",
                "Cleared the drain and cleaned the drip tray; water test drains freely"),
               "blockage"),
             O(("安装时室内机未调水平，排水坡度不够",
                "Indoor unit not level since installation; the drain has no fall"),
               ("重新调整挂板水平，排水管重新走向",
                "Re-levelled the mounting plate and re-routed the drain hose"),
               "installation_fault"))),
    Symptom("AC_ERROR_E1", "air_conditioner",
            ("显示屏报 E1 故障代码，开机几分钟就停", "Display shows E1 and stops after a few minutes"),
            _same({"error_code": "E1", "since": "today"}),
            (O(("主控板继电器触点烧蚀，压缩机供电不稳",
                "Relay contacts on the main board burnt; compressor supply intermittent"),
               ("更换主控板，恢复出厂设置后试机正常", "Replaced the main board, reset and test-ran OK"),
               "control_board", "PCB"),
             O(("外机冷凝器严重脏堵，触发高压保护", "Outdoor condenser clogged: high-pressure trip"),
               ("清洗冷凝器翅片，运行压力恢复正常", "Cleaned the condenser coil; pressures normal"),
               "blockage"))),
    Symptom("AC_NOISE", "air_conditioner",
            ("室内机有很大的咔哒声", "Loud rattling from the indoor unit"),
            _same({"when": "running", "burning_smell": "no"}),
            (O(("室内风机轴承磨损，风轮偏摆", "Indoor fan motor bearing worn; the fan wheel wobbles"),
               ("更换室内风机电机，噪音正常", "Replaced the indoor fan motor; running quietly"),
               "wear_and_tear", "FANIN"),)),
    Symptom("WM_NO_DRAIN", "washing_machine",
            ("洗衣机不排水，桶里一直有水", "Won't drain: water stays in the drum"),
            _same({"error_code": "E18", "water_in_drum": "full"}),
            (O(("排水泵过滤器被硬币和头发堵住", "Pump filter blocked with coins and hair"),
               ("清理排水泵过滤器，试排水正常，已教客户定期清理",
                "Cleared the pump filter; drain test OK; showed the customer how to clean it"),
               "blockage"),
             O(("排水泵线圈开路", "Drain pump coil open circuit"),
               ("更换排水泵，试机排水正常", "Replaced the drain pump; drains normally"),
               "wear_and_tear", "DRAIN"))),
    Symptom("WM_LEAK", "washing_machine",
            ("洗衣机底部漏水，地上一滩水", "Leaking underneath: puddle on the floor"),
            _same({"still_flowing": "no", "cycle": "spin", "near_electrics": "no"}),
            (O(("门封圈破损，有一道 3 厘米的裂口", "Door seal split (3 cm tear)"),
               ("更换门封圈，试机无渗漏", "Replaced the door seal; no leaks on a test wash"),
               "wear_and_tear", "SEAL"),
             O(("进水阀接头处渗水", "Inlet valve weeping at the connection"),
               ("更换进水阀，检查无渗漏", "Replaced the inlet valve; no leaks"),
               "wear_and_tear", "INLET"))),
    Symptom("WM_SPIN_NOISE", "washing_machine",
            ("脱水时震动很大，像敲打一样", "Violent banging during the spin cycle"),
            _same({"when": "running", "moved": "no"}),
            (O(("滚筒轴承损坏，转动有明显异响", "Drum bearings failed; rumbling when turned by hand"),
               ("更换轴承油封套件，试机平稳", "Replaced the bearing and seal kit; spins smoothly"),
               "wear_and_tear", "BEAR"),
             O(("运输螺栓没有拆除", "Transit bolts were never removed"),
               ("拆除运输螺栓，调平底脚", "Removed the transit bolts and levelled the feet"),
               "installation_fault"))),
    Symptom("WM_DOOR_LOCKED", "washing_machine",
            ("洗完后门锁打不开，衣服拿不出来", "Door stays locked after the cycle"),
            _same({"water_in_drum": "no"}),
            (O(("门锁开关故障，断电后仍不释放", "Door interlock faulty; does not release unpowered"),
               ("更换门锁，试机开关门正常", "Replaced the door interlock; opens normally"),
               "wear_and_tear", "LOCK"),)),
    Symptom("WM_FLOOD", "washing_machine",
            ("洗衣机进水管爆裂，水漫到客厅", "Inlet hose burst: water flooding the kitchen"),
            _same({"water_off": "yes", "power_off": "yes"}),
            (O(("进水管老化爆裂，进水阀接口开裂", "Inlet hose perished; valve inlet cracked"),
               ("更换进水阀和进水管，通水检查无渗漏",
                "Replaced the inlet valve and hose; no leaks with the water back on"),
               "wear_and_tear", "INLET"),),
            emergency=True),
    Symptom("WH_NO_HOT_WATER", "water_heater",
            ("没有热水，指示灯不亮", "No hot water"),
            _same({"light": "yes", "since": "today"}),
            (O(("加热管烧断，对地绝缘为零", "Heating element burnt out, zero insulation to earth"),
               ("更换加热管，并更换镁棒", "Replaced the element and the anode rod"),
               "wear_and_tear", "ELEM", "electric"),
             O(("点火针积碳，无法点火", "Igniter electrode carbonised; no ignition"),
               ("更换点火针，点火燃烧正常", "Replaced the igniter; lights and burns cleanly"),
               "wear_and_tear", "IGN", "gas"))),
    Symptom("WH_TRIPS", "water_heater",
            ("一开热水器就跳闸", "Trips the electrics when switched on"),
            _same({"when": "at_once"}),
            (O(("加热管漏电", "Element leaking current to earth"),
               ("更换加热管和漏电保护插头", "Replaced the element and the protection plug"),
               "wear_and_tear", "ELEM"),),
            fuel="electric"),
    Symptom("WH_TEMP_SWINGS", "water_heater",
            ("水温忽冷忽热", "Water temperature keeps swinging hot and cold"),
            _same({"since": "days"}),
            (O(("温度传感器阻值漂移", "Temperature sensor out of tolerance"),
               ("更换温度传感器，出水温度稳定", "Replaced the temperature sensor; temperature stable"),
               "wear_and_tear", "NTC"),
             O(("水流传感器卡滞", "Water flow sensor sticking"),
               ("更换水流传感器", "Replaced the flow sensor"), "wear_and_tear", "FLOW", "gas"))),
    Symptom("WH_RELIEF_DRIP", "water_heater",
            ("热水器安全阀一直往下滴水", "Relief valve dripping constantly"),
            _same({"amount": "drips"}),
            (O(("安全阀阀芯结垢，关闭不严", "Relief valve seat scaled up, not closing"),
               ("更换安全阀", "Replaced the pressure relief valve"), "water_supply", "SAFV"),),
            fuel="electric"),
    Symptom("WH_GAS_SMELL", "water_heater",
            ("热水器附近有燃气味", "Smell of gas near the boiler"),
            _same({"gas_off": "yes", "windows": "yes", "unwell": "no"}),
            (O(("燃气比例阀进气接头密封老化渗漏，检漏液起泡",
                "Gas valve inlet seal perished; leak confirmed with leak-detection fluid"),
               ("更换燃气比例阀，气密性检测合格，燃烧测试正常",
                "Replaced the gas valve; tightness test passed; combustion test OK"),
               "wear_and_tear", "GASV"),),
            emergency=True, fuel="gas"),
    Symptom("RF_NOT_COLD", "refrigerator",
            ("冷藏室不冷，冷冻室正常", "Fridge not cold, freezer is fine"),
            ({"compartment": "fridge", "temperature": "冷藏室大概 12 度"},
             {"compartment": "fridge", "temperature": "About 12 °C in the fridge"}),
            (O(("化霜加热丝断路，蒸发器结满冰堵住风道",
                "Defrost heater open circuit; evaporator iced up and blocking the airflow"),
               ("更换化霜加热丝，手动化霜后试机", "Replaced the defrost heater; defrosted, test-ran"),
               "wear_and_tear", "DEFH"),
             O(("风门电机卡死在关闭位置", "Air damper stuck closed"),
               ("更换风门，冷藏室温度恢复", "Replaced the damper; fridge back to 4 °C"),
               "wear_and_tear", "DAMP"))),
    Symptom("RF_NOISE", "refrigerator",
            ("冰箱嗡嗡声很大，晚上睡不着", "Loud humming, audible from the bedroom"),
            _same({"when": "running", "moved": "no"}),
            (O(("蒸发器风扇叶碰到冰块", "Evaporator fan blade hitting ice"),
               ("更换蒸发器风机，清除积冰", "Replaced the evaporator fan and cleared the ice"),
               "wear_and_tear", "EVAPF"),
             O(("冰箱放置不平，背板贴墙共振", "Not level and touching the wall"),
               ("调整底脚，离墙 10 厘米，噪音正常", "Levelled the feet, moved it 10 cm off the wall"),
               "installation_fault"))),
    Symptom("RF_NO_START", "refrigerator",
            ("灯亮但是压缩机不启动", "Light comes on but the compressor never starts"),
            _same({"since": "today"}),
            (O(("压缩机启动继电器损坏", "Compressor start relay failed"),
               ("更换启动继电器，压缩机启动正常", "Replaced the start relay; compressor starts"),
               "wear_and_tear", "PTC"),
             O(("主控板驱动电路故障", "Fault in the main board's inverter drive"),
               ("更换主控板", "Replaced the main control board"), "control_board", "PCB"))),
    Symptom("RF_WATER", "refrigerator",
            ("冰箱底部有积水", "Water pooling under the fridge"),
            _same({"where": "both"}),
            (O(("化霜排水孔堵塞", "Defrost drain blocked"),
               ("疏通排水孔，清洗接水盘", "Cleared the defrost drain and cleaned the tray"),
               "blockage"),
             O(("门封条变形，门关不严", "Door gasket deformed; door not sealing"),
               ("更换门封条", "Replaced the door gasket"), "wear_and_tear", "GASK"))),
    Symptom("RH_WEAK_SUCTION", "range_hood",
            ("吸力变小，炒菜时油烟排不出去", "Weak extraction: smoke lingers when cooking"),
            _same({"last_clean": "long_ago"}),
            (O(("油网和风轮油垢严重", "Grease filter and impeller caked with grease"),
               ("拆洗风轮，更换油网", "Deep-cleaned the impeller, fitted new grease filters"),
               "blockage", "GREASE"),
             O(("止回阀卡住打不开", "Check valve flap stuck shut"),
               ("更换止回阀", "Replaced the check valve"), "wear_and_tear", "CHKV"))),
    Symptom("RH_NOISE", "range_hood",
            ("油烟机噪音特别大", "Cooker hood very noisy"),
            _same({"when": "running", "burning_smell": "no"}),
            (O(("电机轴承磨损", "Motor bearing worn"),
               ("更换电机，噪音正常", "Replaced the motor; quiet again"), "wear_and_tear", "MOTOR"),
             O(("电机电容容量下降，转速低", "Motor capacitor degraded; fan running slow"),
               ("更换电机电容", "Replaced the motor capacitor"), "wear_and_tear", "CAP"))),
    Symptom("RH_NO_POWER", "range_hood",
            ("按键没有反应，灯也不亮", "Buttons don't respond, light is dead"),
            _same({"breaker": "no"}),
            (O(("控制板受潮短路", "Control board shorted by moisture"),
               ("更换控制板", "Replaced the control board"), "control_board", "CTRL"),
             O(("插座无电，厨房空开跳闸", "No power at the socket: the kitchen breaker had tripped"),
               ("复位空开，检查线路正常，机器无故障",
                "Reset the breaker and checked the wiring; nothing wrong with the hood"),
               "no_fault_found"))),
    Symptom("RH_OIL_DRIP", "range_hood",
            ("油烟机往下滴油", "Grease dripping from the hood"),
            _same({}),
            (O(("油杯满溢，集油槽堵塞", "Oil cup overflowing; grease channel blocked"),
               ("清理集油槽，更换油杯", "Cleared the grease channel and fitted a new oil cup"),
               "misuse", "OILCUP"),)),
)
SYMPTOM_BY_CODE = {s.code: s for s in SYMPTOMS}

# Installation and maintenance visits read the same for every category but the part.
INSTALL_PART = {"air_conditioner": "INSTK", "range_hood": "DUCT"}
MAINTENANCE_PART = {"air_conditioner": "FILTER", "washing_machine": None,
                    "water_heater": "ANODE", "refrigerator": "WFILT", "range_hood": "GREASE"}


def _install_symptom(category: str) -> Symptom:
    zh, en = CATEGORY_NAMES[category]
    return Symptom(
        "INSTALL", category, (f"新购{zh}上门安装", f"Install a new {en}"),
        ({"floor": "12 楼，有电梯", "old_unit": "需要拆旧机"},
         {"floor": "Second floor, no lift", "old_unit": "Please take the old one away"}),
        (O(("现场勘察：承重墙，有独立 16A 电源", "Survey: solid wall, dedicated 16 A circuit"),
           ("完成安装调试，试机正常，已向客户讲解使用和保养",
            "Installed and commissioned; showed the customer how to use and care for it"),
           "other", INSTALL_PART.get(category)),))


def _maintenance_symptom(category: str) -> Symptom:
    zh, en = CATEGORY_NAMES[category]
    return Symptom(
        "MAINTENANCE", category, (f"{zh}年度保养清洗", f"Annual {en} service"),
        ({"last_service": "去年夏天"}, {"last_service": "Last summer"}),
        (O(("整体运行正常，滤网和内部积尘较多", "Working normally; filters and inside dusty"),
           ("完成清洗保养，检测运行参数正常", "Cleaned and serviced; all readings normal"),
           "other", MAINTENANCE_PART[category]),))


def _signature_png(name: str, rng: random.Random) -> bytes:
    """A hand-drawn-looking signature (ink strokes on a transparent background), as the
    phone's signature pad exports it: one stroke per character of ``name``, then a flourish.
    """
    width, height = 600, 200
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    ink = (20, 35, 90, 255)
    letters = max(2, min(len(name.replace(" ", "")), 8))
    step = (width - 120) / letters
    x, baseline = 50.0, 120 + rng.randint(-10, 10)
    for _ in range(letters):
        points = [(x, baseline)]
        for _ in range(rng.randint(4, 7)):
            points.append((x + rng.uniform(0, step), baseline + rng.uniform(-70, 35)))
        points.append((x + step, baseline + rng.uniform(-8, 8)))
        draw.line(points, fill=ink, width=rng.choice((3, 4, 5)), joint="curve")
        x += step
    draw.line([(60, baseline + 35), (width - 70, baseline + 25 + rng.randint(-6, 6))],
              fill=ink, width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- Stories: how each of the sixty orders unfolds ---------------------------------------

@dataclass(frozen=True)
class Story:
    status: str
    variant: str = "plain"
    priority: str | None = None
    symptom: str | None = None
    age: timedelta | None = None  # new orders: how long ago the request came in


VISIT = ("schedule", "en_route", "on_site", "diagnose")
FINISH = ("use_parts", "resolve", "complete")
PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("new", "plain"): (),
    ("scheduled", "plain"): ("schedule",),
    ("scheduled", "turned_back"): ("schedule", "en_route", "turn_back", "rebook"),
    ("en_route", "plain"): ("schedule", "en_route"),
    ("on_site", "plain"): VISIT,
    ("awaiting_parts", "plain"): VISIT + ("await_parts",),
    ("awaiting_customer", "plain"): VISIT + ("await_customer",),
    ("completed", "plain"): VISIT + FINISH,
    ("signed", "plain"): VISIT + FINISH + ("sign",),
    ("closed", "plain"): VISIT + FINISH + ("sign", "survey", "close"),
    ("closed", "second_visit"): VISIT + ("await_parts", "reschedule", "en_route", "on_site")
    + FINISH + ("sign", "survey", "close"),
    ("cancelled", "from_new"): ("cancel",),
    ("cancelled", "from_scheduled"): ("schedule", "cancel"),
    ("cancelled", "after_visit"): VISIT + ("await_customer", "cancel"),
    ("reopened", "plain"): VISIT + FINISH + ("sign", "survey", "close", "reopen"),
}

_h = lambda hours: timedelta(hours=hours)  # noqa: E731
STORIES = (
    [Story("new", priority="emergency", symptom="WM_FLOOD", age=timedelta(minutes=25))]
    + [Story("new", age=_h(a)) for a in (1.5, 5, 22, 60, 100)]
    + [Story("scheduled")] * 6 + [Story("scheduled", "turned_back")]
    + [Story("en_route", priority="emergency", symptom="WH_GAS_SMELL")]
    + [Story("en_route")] * 2
    + [Story("on_site")] * 4
    + [Story("awaiting_parts")] * 4
    + [Story("awaiting_customer")] * 3
    + [Story("completed")] * 5
    + [Story("signed")] * 5
    + [Story("closed", priority="emergency", symptom="WH_GAS_SMELL"),
       Story("closed", priority="emergency", symptom="WM_FLOOD")]
    + [Story("closed")] * 11 + [Story("closed", "second_visit")] * 3
    + [Story("cancelled", "from_new")] * 2
    + [Story("cancelled", "from_scheduled"), Story("cancelled", "after_visit")]
    + [Story("reopened")] * 3
)
# Stories caught in the middle of a visit, as the demo is opened.
LIVE = {"en_route", "on_site"}
# Variants whose history needs a repair with a part (waiting for it, or a repeat fault).
NEEDS_REPAIR = {("awaiting_parts", "plain"), ("closed", "second_visit"),
                ("scheduled", "turned_back"), ("reopened", "plain")}

REASONS = {
    "turn_back": ("路上遇到交通事故封路，已与客户改约",
                  "Van broke down on the A40; rebooked with the customer"),
    "await_customer": (
        ("客户需要和家人商量是否接受维修报价", "Customer wants to check the quote with the landlord"),
        ("客户临时外出，需要改约", "Customer had to leave; asked to rebook"),
        ("需要物业开通阳台外机位置", "Need access to the loft; customer to clear it"),
    ),
    "cancel_from_new": (
        ("客户已自行找人修好", "Customer bought a replacement"),
        ("重复报修，已合并到另一工单", "Duplicate of an earlier request"),
    ),
    "cancel_from_scheduled": ("客户临时出差，取消预约", "Customer moving out; no longer needed"),
    "cancel_after_visit": ("客户决定不维修，购买新机", "Customer decided to replace rather than repair"),
    "reopen": ("客户反映三天后故障复发", "Customer reports the same fault came back after three days"),
}
OFFICE_NOTES = (
    ("客户希望同一位师傅上门", "Customer asked for the same engineer as last time"),
    ("已告知客户保修期外需收取上门费", "Told the customer a call-out charge applies (out of warranty)"),
)
CALL_FIRST_NOTE = ("客户要求到达前半小时电话联系", "Customer asked for a call 30 minutes before arrival")
TECH_NOTES = (
    ("机器装在阳台吊柜内，拆装需两人", "Unit is in a tight cupboard: a two-person job next time"),
    ("已提醒客户定期清洗过滤网", "Advised the customer to clean the filter monthly"),
    ("小区停车困难，建议下次停在路边收费车位", "Residents-only parking; used the pay & display on the corner"),
)
ARRIVAL_NOTES = (
    ("停在小区地下车库 B2，已登记", "Parked in the visitor bay, permit on the dashboard"),
    ("保安带上楼", "Concierge let me in"),
)
SURVEY_COMMENTS = {
    5: (("师傅很专业，准时到达，讲解很耐心。", "Engineer was on time and very tidy."),
        ("修得很快，态度很好！", "Fixed first time, thank you!")),
    4: (("整体满意，就是来得稍微晚了一点。", "Good job, arrived a little late."),),
    3: (("等配件等了好几天。", "Took a week to get the part."),),
    2: (("第二次来才修好，耽误了很多时间。", "Needed a second visit; lost a day off work."),),
    1: (("修完三天又坏了，很失望。", "Broke again three days later. Very disappointed."),),
}

# --- Knowledge articles --------------------------------------------------------------------

# The symptom codes each demo article answers, by its first model.
ARTICLE_SYMPTOMS = {"KFR-35GW/NhGc1B": ["AC_ERROR_E1"], "WAN28281GB": ["WM_NO_DRAIN"],
                    "EMG9030": ["RH_WEAK_SUCTION"], "BCD-470WDPG": ["RF_NOT_COLD"],
                    "JSQ31-C05": ["WH_GAS_SMELL"]}

ARTICLES = (
    ("en", "air_conditioner", ["KFR-35GW/NhGc1B"], ["error-code", "E1", "high-pressure"],
     "Gree KFR-35GW: E1 high-pressure protection checklist",
     "E1 means the high-pressure switch or the board saw condensing pressure too high.\n\n"
     "1. Check the outdoor unit has 30 cm clearance and the condenser coil is clean.\n"
     "2. Check the outdoor fan starts and turns freely; measure its capacitor and replace it "
     "below 80 % of the rated value.\n"
     "3. Running in cooling, measure the discharge pressure (R32: about 2.6–3.0 MPa at 35 °C "
     "outside).\n"
     "4. If the pressure is normal, check the high-pressure switch and connector CN-HP on the "
     "main board.\n\nParts usually needed: outdoor fan motor, run capacitor, main board."),
    ("zh", "air_conditioner", ["KFR-35GW/NhGc1B"], ["故障代码", "E1", "高压保护"],
     "格力 KFR-35GW 报 E1 高压保护的排查步骤",
     "E1 表示高压开关或主板检测到冷凝压力过高。\n\n"
     "1. 检查外机四周留有 30 厘米以上空间，冷凝器翅片是否脏堵。\n"
     "2. 检查外风机能否启动、转动是否顺畅；测量风机电容，低于标称值 80% 需更换。\n"
     "3. 制冷运行时测量排气压力（R32：室外 35℃ 时约 2.6–3.0MPa）。\n"
     "4. 压力正常时，检查高压开关及主板 CN-HP 插座。\n\n常用配件：外风机电机、运行电容、主控板。"),
    ("en", "washing_machine", ["WAN28281GB"], ["drain", "E18"],
     "Bosch Serie 4 WAN28281GB: E18 drain fault",
     "E18 means the water did not drain within the time allowed.\n\n"
     "1. Put towels down, open the flap bottom right and drain through the emergency hose.\n"
     "2. Unscrew the pump filter; coins, hair grips and underwired bras are the usual cause.\n"
     "3. Turn the impeller by hand: it should move in steps with slight resistance.\n"
     "4. Measure the pump coil (about 170 Ω). Open circuit: replace the pump.\n\n"
     "Show the customer where the filter is; most repeat calls are a blocked filter."),
    ("zh", "washing_machine", ["WAN28281GB"], ["排水", "E18"],
     "博世 WAN28281GB 排水故障（E18）处理方法",
     "E18 表示在规定时间内未能排完水。\n\n"
     "1. 地上垫好毛巾，打开右下角盖板，用应急排水管放水。\n"
     "2. 拧下排水泵过滤器，常见异物为硬币、发夹、内衣钢圈。\n"
     "3. 用手拨动叶轮，应有轻微阻力、分段转动。\n"
     "4. 测量排水泵线圈电阻（约 170Ω），开路则更换排水泵。\n\n"
     "请向客户演示过滤器位置，多数重复报修都是过滤器堵塞。"),
    ("zh", "water_heater", ["E60VN3-C"], ["镁棒", "保养"],
     "A.O.史密斯 E60VN3-C：镁棒检查与更换周期",
     "镁棒用于保护内胆不被腐蚀，水质硬的地区建议每 1–2 年检查一次。\n\n"
     "1. 断电、关闭进水阀，打开热水龙头泄压。\n"
     "2. 从排污口放掉部分水后拆下镁棒。\n"
     "3. 镁棒消耗超过一半或表面严重结垢即需更换。\n"
     "4. 安装时螺纹缠生料带，注满水后再通电。"),
    ("en", "water_heater", ["E60VN3-C"], ["anode", "maintenance"],
     "A.O. Smith E60VN3-C: inspecting and replacing the anode rod",
     "The magnesium anode protects the tank; in hard-water areas check it every 1–2 years.\n\n"
     "1. Switch off, close the cold inlet and open a hot tap to release pressure.\n"
     "2. Drain some water through the drain valve and remove the anode.\n"
     "3. Replace it when more than half is used up or it is heavily scaled.\n"
     "4. Use PTFE tape on the thread; fill the tank before switching on."),
    ("zh", "range_hood", ["EMG9030"], ["吸力", "清洗"],
     "方太 EMG9030 吸力下降：油网、风轮与止回阀",
     "吸力下降九成是油垢或止回阀问题。\n\n"
     "1. 拆下油网检查，油垢堵塞网孔时直接更换。\n"
     "2. 拆下风轮，用碱性清洗剂浸泡 20 分钟后冲洗。\n"
     "3. 检查烟管出口止回阀能否完全打开，卡住则更换。\n"
     "4. 装回后用纸巾测试吸力。"),
    ("en", "range_hood", ["EMG9030", "DWB97CM50B"], ["extraction", "cleaning"],
     "Weak extraction on a cooker hood: filters, impeller and check valve",
     "Nine times out of ten weak extraction is grease or a stuck check valve.\n\n"
     "1. Remove the grease filters; replace them if the mesh is clogged.\n"
     "2. Remove the impeller and soak it in degreaser for 20 minutes.\n"
     "3. Check the check valve at the duct opens fully; replace it if it sticks.\n"
     "4. Refit and test with a sheet of kitchen paper."),
    ("en", "refrigerator", ["BCD-470WDPG", "KGN39VLEAG"], ["defrost", "not-cold"],
     "Fridge warm, freezer fine: checking the defrost system",
     "On frost-free models a warm fridge with a cold freezer usually means the evaporator "
     "has iced up and blocks the airflow.\n\n"
     "1. Look at the evaporator cover: frost on it confirms the diagnosis.\n"
     "2. Measure the defrost heater (150 W: about 350 Ω) and the defrost thermostat.\n"
     "3. Check the damper opens when the fridge calls for cold.\n"
     "4. After replacing parts, defrost fully before restarting."),
    ("zh", "refrigerator", ["BCD-470WDPG"], ["化霜", "不制冷"],
     "海尔 BCD-470WDPG 冷藏不冷：化霜系统检查",
     "风冷冰箱冷藏不冷、冷冻正常，多数是蒸发器结冰堵住风道。\n\n"
     "1. 拆下蒸发器盖板，结满霜即可确认。\n"
     "2. 测量化霜加热丝（150W 约 350Ω）和化霜温控器。\n"
     "3. 检查风门在冷藏需要制冷时能否打开。\n"
     "4. 更换配件后彻底化霜再开机。"),
    ("en", "water_heater", ["JSQ31-C05", "ecoTEC plus 832", "Greenstar 30i"],
     ["safety", "gas", "emergency"],
     "Smell of gas at a water heater or boiler: what to do first",
     "Safety first, diagnosis second.\n\n"
     "1. On the phone: ask the customer to turn off the gas at the meter, open windows, "
     "not to use switches, and to wait outside. This is an emergency order.\n"
     "2. On site: do not switch anything on; check with a gas detector from the door.\n"
     "3. Find the leak with leak-detection fluid: meter, pipework, appliance valve.\n"
     "4. Repair, then do a tightness test and a combustion test before leaving."),
    ("zh", "water_heater", ["JSQ31-C05"], ["安全", "燃气", "紧急"],
     "燃气热水器有燃气味：第一步怎么做",
     "先保证安全，再排查故障。\n\n"
     "1. 电话中：请客户关闭燃气总阀、开窗通风、不要开关电器、到室外等候，按紧急工单处理。\n"
     "2. 到场后：不要开关任何电器，先在门口用燃气检测仪检测。\n"
     "3. 用检漏液查找泄漏点：表后管、连接软管、热水器比例阀。\n"
     "4. 修复后做气密性测试和燃烧测试，合格后方可离开。"),
)

SLOT_HOURS = (9, 11, 14, 16)
MORNING_SLOT_HOURS = (9, 10)
WINDOW = timedelta(hours=2)


# --- The plan of one order, made before anything is written -------------------------------

@dataclass
class _Plan:
    story: Story
    customer: Customer
    city: City
    asset: Asset | None
    type: str
    priority: str
    channel: str
    symptom: Symptom
    outcome: Outcome
    office: User
    tech: Technician | None
    morning: bool
    created: datetime = None  # type: ignore[assignment]
    steps: list[tuple[str, datetime]] = field(default_factory=list)
    appointments: list[datetime] = field(default_factory=list)


@dataclass
class _Visit:
    """What happens to one order while its plan is carried out."""

    plan: _Plan
    order: WorkOrder
    appointments: Iterator[datetime]
    en_route_at: datetime | None = None
    on_site_at: datetime | None = None
    waiting_for: Part | None = None


def seed(now: datetime | None = None) -> dict[str, int]:
    """Add the demo data and return how many of each kind of record were made.

    ``now`` is the moment the histories lead up to (the current time by default).
    Raises Conflict if the demo accounts already exist.
    """
    return _Builder(now or utcnow()).run()


class _Builder:
    """One seeding run: the random source, the clock it leads up to, and what it made."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = now.date()
        self.rng = random.Random(RANDOM_SEED)
        # Signatures draw from their own source, so the rest of the data stays as it was.
        self.ink = random.Random(RANDOM_SEED + 1)
        self.staff: dict[str, User] = {}
        self.techs: list[tuple[Technician, TechnicianSpec]] = []
        self.vans: dict = {}  # technician id → StockLocation
        self.warehouse: StockLocation | None = None
        self.levels: dict = {}  # (location id, part id) → StockLevel
        self.parts: dict[tuple[str, str], list[Part]] = {}  # (category, kind) → parts
        self.customers: list[tuple[Customer, City]] = []
        self.assets_of: dict = {}  # customer id → [Asset]
        self.load: dict = {}  # technician id → orders given so far
        self.visits: list[_Visit] = []
        self.surveys: list[tuple[_Visit, Survey]] = []

    def run(self) -> dict[str, int]:
        if db.session.scalar(select(User.id).where(User.email == f"admin@{DEMO_DOMAIN}")):
            raise Conflict("The demo data is already loaded.", code="demo_loaded")
        before = self._counts()
        self._staff()
        self._london_calendar()
        self._technicians()
        self._parts_and_stock()
        self._customers_and_assets()
        plans = [self._plan(story) for story in STORIES]
        # Numbers are handed out in creation order, as they would have been.
        for plan in sorted(plans, key=lambda p: p.created):
            self._carry_out(plan)
        self._complaints()
        self._calls()
        self._articles()
        # After the stories: the demo's finished jobs predate the checklists.
        checklist_demo.seed(self.staff.get("admin"))
        stock_demo.seed(self.staff.get("admin"), self.now)  # templates, requests, deliveries
        stock_demo.seed_purchases(self.staff.get("admin"), self.now)  # purchase orders
        self._quality_checks()
        first, first_spec = self.techs[0]
        billing_demo.seed(self.now, first, self.staff["dispatcher.zh"], self._stock,
                          ZoneInfo(first_spec.city.timezone))
        warranty_demo.seed(self.staff.get("admin"), self.warehouse, self.now)
        returns_demo.seed(self.staff.get("admin"), self.now)  # one return request per state
        db.session.flush()
        orders.grade_open_orders(now=self.now)
        return {what: n - before[what] for what, n in self._counts().items()}

    # -- helpers ------------------------------------------------------------------------

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=self.rng.randint(int(low * 60), int(high * 60)))

    def _near(self, latitude: float, longitude: float, spread: float = 0.0003
              ) -> tuple[float, float]:
        return (round(latitude + self.rng.uniform(-spread, spread), 6),
                round(longitude + self.rng.uniform(-spread, spread), 6))

    def _phone(self, city: City) -> str:
        if city is SHANGHAI:
            return (f"+86 1{self.rng.choice('3589')}{self.rng.randint(0, 9)} "
                    f"{self.rng.randint(1000, 9999)} {self.rng.randint(1000, 9999)}")
        # Ofcom keeps 07700 900000–900999 for drama: realistic and never a real person.
        return f"+44 7700 900{self.rng.randint(0, 999):03d}"

    # -- people -------------------------------------------------------------------------

    def _london_calendar(self) -> None:
        """London works on its own calendar (Europe/London hours, weekdays, England's bank
        holidays), so its orders' deadlines, follow-ups and booking slots count London
        working time; Shanghai follows the company's."""
        settings.save_region_calendar(self.staff.get("admin"), {
            "region": LONDON.name, "timezone": LONDON.timezone,
            "work_days": ["1", "2", "3", "4", "5"], "opens": "09:00", "closes": "17:30",
            "holidays": "\n".join(LONDON_BANK_HOLIDAYS)})

    def _staff(self) -> None:
        joined = self.now - timedelta(days=1000)
        for local, name, locale, role in OFFICE_STAFF:
            user = accounts.create_user(f"{local}@{DEMO_DOMAIN}", name, role, DEMO_PASSWORD,
                                        locale)
            user.created_at = joined
            user.phone = self._phone(SHANGHAI if locale == "zh" else LONDON)
            self.staff[local] = user
        # Escalation: dispatchers → supervisor → manager.
        for local in ("dispatcher", "dispatcher.zh"):
            self.staff[local].supervisor_id = self.staff["supervisor"].id
        self.staff["supervisor"].supervisor_id = self.staff["manager"].id
        db.session.flush()

    def _technicians(self) -> None:
        for n, spec in enumerate(TECHNICIANS, start=1):
            user = accounts.create_user(f"tech{n}@{DEMO_DOMAIN}", spec.name, "technician",
                                        DEMO_PASSWORD, spec.city.language)
            user.created_at = self.now - timedelta(days=900)
            user.phone = self._phone(spec.city)
            user.supervisor_id = self.staff["supervisor"].id
            tech = create_technician(user, [*spec.categories, *spec.job_types], spec.region,
                                     spec.home_base, spec.latitude, spec.longitude)
            self.techs.append((tech, spec))
            self.load[tech.id] = 0
            self.vans[tech.id] = db.session.scalar(
                select(StockLocation).where(StockLocation.technician_id == tech.id))

    def _office_for(self, city: City) -> User:
        """Most requests are taken by the desk that speaks the customer's language."""
        usual, other = (("dispatcher.zh", "dispatcher") if city is SHANGHAI
                        else ("dispatcher", "dispatcher.zh"))
        return self.staff[usual if self.rng.random() < 0.85 else other]

    # -- parts and stock ----------------------------------------------------------------

    def _parts_and_stock(self) -> None:
        stocked_at = self.now - timedelta(days=30)
        admin = self.staff["admin"]
        for category, kinds in PART_KINDS.items():
            models = [p for p in PRODUCTS if p.category == category]
            for kind in kinds:
                if kind.variants is PER_MODEL:
                    variants = [(re.sub(r"[^A-Z0-9]", "", p.model.upper())[:16],
                                 f"{kind.name_en}, {p.brand} {p.model}",
                                 f"{p.brand_zh} {p.model} {kind.name_zh}", [p.model],
                                 1.3 if p.brand in PREMIUM_BRANDS else 1.0)
                                for p in models]
                else:
                    variants = [(code, f"{kind.name_en} {en}".strip(),
                                 f"{kind.name_zh} {zh}".strip(), [], 1 + 0.15 * i)
                                for i, (code, en, zh) in enumerate(kind.variants)]
                for code, name_en, name_zh, fits, factor in variants:
                    sku = "-".join(c for c in (CATEGORY_CODES[category], kind.code, code)
                                   if c != "STD")
                    assert SKU_PATTERN.match(sku), sku
                    part = inventory.create_part({
                        "sku": sku, "name_en": name_en, "name_zh": name_zh,
                        "category": category, "fits_models": fits, "unit": kind.unit,
                        "price_cents": round(kind.price_cny * factor) * 100,
                        "updated_at": stocked_at,
                    })
                    self.parts.setdefault((category, kind.code), []).append(part)

        self.warehouse = StockLocation(kind=LocationKind.WAREHOUSE,
                                       name="Central warehouse — 上海嘉定")
        db.session.add(self.warehouse)
        db.session.flush()
        every_part = [p for parts in self.parts.values() for p in parts]
        for part in every_part:
            cheap = part.price_cents <= 10_000
            quantity = self.rng.randint(20, 120) if cheap else self.rng.randint(2, 25)
            self._stock(part, None, self.warehouse, quantity, "initial_stock", stocked_at, admin)
        for tech, spec in self.techs:
            city_models = {p.model for p in PRODUCTS if p.city == spec.city.key}
            suitable = [p for p in every_part if p.category in spec.categories
                        and (not p.fits_models or set(p.fits_models) & city_models)]
            for part in self.rng.sample(suitable, min(30, len(suitable))):
                quantity = self.rng.randint(2, 6) if part.price_cents <= 10_000 \
                    else self.rng.randint(1, 2)
                self._stock(part, None, self.vans[tech.id], quantity, "initial_stock",
                            stocked_at, admin)
        db.session.flush()

    def _stock(self, part: Part, source: StockLocation | None,
               target: StockLocation | None, quantity: int, reason: str, at: datetime,
               actor: User | None, order: WorkOrder | None = None) -> None:
        """Move stock and write the ledger line that explains it."""
        for location, delta in ((source, -quantity), (target, quantity)):
            if location is None:
                continue
            level = self.levels.get((location.id, part.id))
            if level is None:
                level = StockLevel(location_id=location.id, part_id=part.id, quantity=0)
                db.session.add(level)
                self.levels[(location.id, part.id)] = level
            level.quantity += delta
            level.updated_at = at
        db.session.add(StockMovement(
            part_id=part.id, from_location_id=source.id if source else None,
            to_location_id=target.id if target else None, quantity=quantity, reason=reason,
            work_order_id=order.id if order else None, actor_id=actor.id if actor else None,
            created_at=at, details={"order": order.number} if order else {}))

    def _level(self, location: StockLocation, part: Part) -> int:
        level = self.levels.get((location.id, part.id))
        return level.quantity if level else 0

    # -- customers and their appliances ---------------------------------------------------

    def _customers_and_assets(self) -> None:
        names = [(n, SHANGHAI) for n in CHINESE_CUSTOMERS] + \
                [(n, LONDON) for n in ENGLISH_CUSTOMERS]
        for i, (name, city) in enumerate(names):
            zh = city is SHANGHAI
            district = self.rng.choice(city.districts)
            latitude, longitude = self._near(district.latitude, district.longitude, 0.012)
            street = self.rng.choice(district.streets)
            if zh:
                line1 = (f"{street}{self.rng.randint(10, 999)}弄{self.rng.randint(1, 30)}号"
                         f"{self.rng.randint(2, 28)}{self.rng.randint(1, 4):02d}室")
                line2 = self.rng.choice(district.estates)
                postcode = district.postcode
            else:
                number = self.rng.randint(2, 180)
                line1 = (f"Flat {self.rng.randint(1, 12)}, {number} {street}"
                         if self.rng.random() < 0.5 else f"{number} {street}")
                line2 = None
                letters = "ABDEFGHJLNPQRSTUWXYZ"
                postcode = (f"{district.postcode} {self.rng.randint(1, 9)}"
                            f"{self.rng.choice(letters)}{self.rng.choice(letters)}")
            access = self.rng.choice(ACCESS_NOTES)
            preferences = [_lang(p, city.language) for p in self.rng.choice(PREFERENCES)]
            since = self.now - timedelta(days=self.rng.randint(40, 900))
            email = None
            if not zh:
                email = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.com"
            elif self.rng.random() < 0.3:
                email = f"{self.rng.randint(10**7, 10**9)}@example.com"
            customer = customers.create_customer({
                "name": name, "phone": self._phone(city), "email": email,
                "language": city.language, "preferences": preferences,
                "notes": (("延保客户", "Extended warranty customer")[not zh]
                          if i % 9 == 4 else None),
                "created_at": since, "updated_at": since,
                "addresses": [{
                    "label": "家" if zh else "Home", "line1": line1, "line2": line2,
                    "district": district.name, "city": city.name, "postcode": postcode,
                    "country": city.country, "latitude": latitude, "longitude": longitude,
                    "access_notes": _lang(access, city.language) if access else None,
                    "created_at": since,
                }],
            })
            self.customers.append((customer, city))
            self.assets_of[customer.id] = []
            weights = CATEGORY_WEIGHTS[city.key]
            wanted = self.rng.choices([1, 2, 3], weights=[3, 4, 2])[0]
            categories: list[str] = []
            while len(categories) < wanted:
                category = self.rng.choices(list(weights), weights=list(weights.values()))[0]
                if category not in categories:
                    categories.append(category)
            for category in categories:
                product = self.rng.choice(
                    [p for p in PRODUCTS if p.category == category and p.city == city.key])
                # Bought within the last five years; one to three years of warranty.
                self._add_asset(customer, product,
                                self.today - timedelta(days=self.rng.randint(20, 5 * 365)),
                                since)

    def _add_asset(self, customer: Customer, product: Product, bought: date,
                   created: datetime, installed: bool = True) -> Asset:
        years = self.rng.choice([1, 2, 3])
        try:
            warranty_end = bought.replace(year=bought.year + years)
        except ValueError:  # bought on 29 February
            warranty_end = bought.replace(year=bought.year + years, day=28)
        serial = f"{product.serial_prefix}{bought:%y%m}{self.rng.randint(0, 10**7 - 1):07d}"
        asset = assets.create_asset({
            "customer_id": customer.id, "address_id": customer.addresses[0].id,
            "category": product.category, "brand": product.brand, "model": product.model,
            "serial": serial, "purchase_date": bought, "warranty_end": warranty_end,
            "installed_on": bought + timedelta(days=self.rng.randint(1, 6)) if installed else None,
            "created_at": max(created, datetime.combine(bought, time(12), UTC)),
        })
        self.assets_of[customer.id].append(asset)
        return asset

    # -- planning -------------------------------------------------------------------------

    def _plan(self, story: Story) -> _Plan:
        """Choose who, what and when for one story; nothing is written yet."""
        rng = self.rng
        repair_needed = (story.status, story.variant) in NEEDS_REPAIR
        symptom = SYMPTOM_BY_CODE.get(story.symptom) if story.symptom else None
        if story.priority == "emergency":
            order_type = "repair"
        elif repair_needed:
            order_type = "repair"
        else:
            order_type = rng.choices(["repair", "maintenance", "install"], [70, 15, 15])[0]

        cities = None
        if story.status in LIVE:
            # Technicians are out only where it is daytime now (the cities are 7–8 h apart).
            cities = [c for c in CITIES
                      if 8 <= self.now.astimezone(ZoneInfo(c.timezone)).hour < 20] or None
        customer, city, asset = self._pick_customer(symptom, cities)
        product = None
        if order_type == "install":
            # The appliance is bought a few days before the request; made once timed.
            product = rng.choice([p for p in PRODUCTS if p.city == city.key])
            asset = None
            symptom = _install_symptom(product.category)
        elif order_type == "maintenance":
            symptom = _maintenance_symptom(asset.category)
        elif symptom is None:
            fuel = self._fuel(asset)
            choices = [s for s in SYMPTOMS if s.category == asset.category
                       and not s.emergency and s.fuel in (None, fuel)]
            if repair_needed:
                choices = [s for s in choices
                           if any(o.part and o.fuel in (None, fuel) for o in s.outcomes)]
            symptom = rng.choice(choices)
        fuel = self._fuel(asset) if product is None else product.fuel
        outcomes = [o for o in symptom.outcomes if o.fuel in (None, fuel)]
        if repair_needed:
            outcomes = [o for o in outcomes if o.part] or outcomes
        outcome = rng.choice(outcomes)

        priority = story.priority or (
            "low" if order_type == "maintenance"
            else rng.choices(["high", "normal", "low"], [20, 70, 10])[0])
        channel = rng.choices(["phone", "web", "app", "email"], [45, 25, 20, 10])[0]
        if priority == "emergency":
            channel = "phone"
        morning = _lang(MORNINGS_ONLY, city.language) in customer.preferences
        tech = None
        if PATHS[(story.status, story.variant)][:1] == ("schedule",):
            tech = self._pick_technician(city, symptom.category, order_type)
        plan = _Plan(story, customer, city, asset, order_type, priority, channel, symptom,
                     outcome, self._office_for(city), tech, morning)
        self._timeline(plan)
        if product is not None:
            bought = plan.created.date() - timedelta(days=rng.randint(1, 6))
            plan.asset = self._add_asset(customer, product, bought, plan.created,
                                         installed=False)
        return plan

    @staticmethod
    def _fuel(asset: Asset | None) -> str | None:
        if asset is None:
            return None
        return next((p.fuel for p in PRODUCTS if p.model == asset.model), None)

    def _pick_customer(self, symptom: Symptom | None, cities: list[City] | None = None
                       ) -> tuple[Customer, City, Asset]:
        """A customer (in one of ``cities`` if given) and appliance the story fits.

        A given symptom needs the right kind of appliance; when no customer owns one, one
        is given to a random customer.
        """
        pairs = [(c, city, a) for c, city in self.customers for a in self.assets_of[c.id]
                 if cities is None or city in cities]
        if symptom is not None:
            pairs = [(c, city, a) for c, city, a in pairs if a.category == symptom.category
                     and (symptom.fuel is None or self._fuel(a) == symptom.fuel)]
        if pairs:
            return self.rng.choice(pairs)
        customer, city = self.rng.choice(
            [(c, city) for c, city in self.customers if cities is None or city in cities])
        product = self.rng.choice([p for p in PRODUCTS if p.city == city.key
                                   and p.category == symptom.category
                                   and symptom.fuel in (None, p.fuel)])
        bought = self.today - timedelta(days=self.rng.randint(200, 900))
        return customer, city, self._add_asset(customer, product, bought, customer.created_at)

    def _pick_technician(self, city: City, category: str, order_type: str) -> Technician:
        """The least busy technician in the city with the category and job type."""
        local = [(t, s) for t, s in self.techs if s.city is city]
        able = [t for t, s in local if category in s.categories and order_type in s.job_types] \
            or [t for t, s in local if category in s.categories] or [t for t, _ in local]
        fewest = min(self.load[t.id] for t in able)
        tech = self.rng.choice([t for t in able if self.load[t.id] == fewest])
        self.load[tech.id] += 1
        return tech

    # -- timing -----------------------------------------------------------------------------

    def _slot_after(self, city: City, moment: datetime, morning: bool, skip: int = 0
                    ) -> datetime:
        """The start of the ``skip``-th two-hour window starting at or after ``moment``."""
        zone = ZoneInfo(city.timezone)
        day = moment.astimezone(zone).date()
        while True:
            for hour in (MORNING_SLOT_HOURS if morning else SLOT_HOURS):
                start = datetime.combine(day, time(hour), zone).astimezone(UTC)
                if start >= moment:
                    if skip == 0:
                        return start
                    skip -= 1
            day += timedelta(days=1)

    def _slot_before(self, city: City, moment: datetime, morning: bool) -> datetime:
        """The start of the latest two-hour window starting at or before ``moment``."""
        zone = ZoneInfo(city.timezone)
        day = moment.astimezone(zone).date()
        while True:
            for hour in reversed(MORNING_SLOT_HOURS if morning else SLOT_HOURS):
                start = datetime.combine(day, time(hour), zone).astimezone(UTC)
                if start <= moment:
                    return start
            day -= timedelta(days=1)

    def _daytime(self, city: City, moment: datetime, earlier: bool) -> datetime:
        """``moment`` moved out of the night (earlier or later) into 07:00–21:59 local."""
        zone = ZoneInfo(city.timezone)
        step = timedelta(hours=-1 if earlier else 1)
        while not 7 <= moment.astimezone(zone).hour <= 21:
            moment += step
        return moment

    def _first_appointment(self, plan: _Plan) -> datetime:
        """When the first visit was booked for, working back from how far the story got."""
        rng, now = self.rng, self.now
        status, variant = plan.story.status, plan.story.variant
        if status == "scheduled" and variant == "plain":
            return self._slot_after(plan.city, now + _h(rng.uniform(1, 40)), plan.morning,
                                    rng.randint(0, 2))
        if status in LIVE:
            # A visit happening now: booked on the half hour just around now.
            target = now + timedelta(minutes=25) if status == "en_route" \
                else now - timedelta(minutes=75)
            return target - timedelta(minutes=target.minute % 30, seconds=target.second,
                                      microseconds=target.microsecond)
        if status == "scheduled":
            target = now - _h(1)  # turned back earlier today
        else:
            # Days ago: paused orders are still waiting, finished ones have had time to close.
            low, high = {"awaiting_parts": (1, 6), "awaiting_customer": (1, 6),
                         "completed": (0.3, 3), "signed": (0.3, 2)}.get(status, (4, 20))
            target = now - timedelta(days=rng.uniform(low, high))
        if plan.priority == "emergency":
            return target
        return self._slot_before(plan.city, target, plan.morning)

    def _timeline(self, plan: _Plan) -> None:
        """Fill in the plan's creation time, step times and appointments, all before now."""
        rng, now, city = self.rng, self.now, plan.city
        path = PATHS[(plan.story.status, plan.story.variant)]
        emergency = plan.priority == "emergency"
        first = None
        if not path or path[0] != "schedule":
            age = plan.story.age or timedelta(days=rng.uniform(2, 15))
            created = self._daytime(city, now - age, earlier=True) if age > _h(2) else now - age
        else:
            first = self._first_appointment(plan)
            if emergency:
                lead = self._minutes(40, 70)
            else:
                hours = {"high": (3, 8), "normal": (6, 48), "low": (24, 96)}[plan.priority]
                lead = _h(rng.uniform(*hours)) + (_h(24) if plan.type == "install" else _h(0))
            created = first - lead
            if plan.story.status == "scheduled" and plan.story.variant == "plain":
                created = now - _h(rng.uniform(0.5, 20))
            if not emergency:
                created = self._daytime(city, created, earlier=True)
        plan.created = created

        clock = created
        appointment = first
        steps: list[tuple[str, datetime]] = []
        for step in path:
            if step == "schedule":
                gap = self._minutes(4, 10) if emergency else self._minutes(10, 90)
                clock = clock + gap
                if plan.story.status == "scheduled" and plan.story.variant == "plain":
                    clock = min(clock, now - self._minutes(1, 5))
                plan.appointments.append(appointment)
            elif step == "en_route":
                leave = appointment - self._minutes(15, 40)
                clock = max(clock + self._minutes(2, 8), leave)
                if plan.story.status == "en_route":
                    clock = min(clock, now - self._minutes(1, 5))
            elif step == "turn_back":
                clock += self._minutes(20, 40)
            elif step == "rebook":
                clock += self._minutes(5, 20)
                plan.appointments.append(
                    self._slot_after(city, max(clock, now) + _h(2), plan.morning))
            elif step == "on_site":
                clock += self._minutes(12, 30) if emergency else self._minutes(15, 50)
            elif step == "diagnose":
                clock += self._minutes(8, 25)
            elif step in ("await_parts", "await_customer"):
                clock += self._minutes(5, 20)
            elif step == "reschedule":
                clock = self._daytime(city, clock + timedelta(days=rng.uniform(1, 3)),
                                      earlier=False)
                appointment = self._slot_after(city, clock + _h(3), plan.morning,
                                               rng.randint(0, 1))
                plan.appointments.append(appointment)
            elif step == "use_parts":
                clock += self._minutes(10, 40)
            elif step == "resolve":
                clock += self._minutes(10, 45)
            elif step in ("complete", "sign"):
                clock += self._minutes(2, 8)
            elif step == "survey":
                clock += _h(rng.uniform(2, 30))
            elif step == "close":
                clock = self._daytime(city, clock + _h(rng.uniform(4, 48)), earlier=False)
            elif step == "reopen":
                clock = self._daytime(city, clock + timedelta(days=rng.uniform(1, 4)),
                                      earlier=False)
            elif step == "cancel":
                if plan.story.variant == "from_scheduled":
                    clock = max(clock + self._minutes(10, 30), appointment - _h(rng.uniform(2, 20)))
                elif plan.story.variant == "after_visit":
                    clock += timedelta(days=rng.uniform(1, 2))
                else:
                    clock += _h(rng.uniform(1, 6))
            steps.append((step, clock))

        # A long story may run past now: move all of it back by whole days, so that
        # appointments keep their local time of day.
        last = steps[-1][1] if steps else created
        if last > now:
            days = timedelta(days=math.ceil((last - now) / timedelta(days=1)))
            plan.created -= days
            steps = [(s, t - days) for s, t in steps]
            plan.appointments = [a - days for a in plan.appointments]
        plan.steps = steps

    # -- carrying out a plan --------------------------------------------------------------

    def _carry_out(self, plan: _Plan) -> None:
        """Create the order at its back-dated time and walk it through its steps."""
        language = plan.city.language
        customer = plan.customer
        notes = None
        if customer.preferences and self.rng.random() < 0.6:
            notes = "；".join(customer.preferences) if language == "zh" \
                else "; ".join(customer.preferences)
        order = orders.create_order(plan.office, {
            "channel": plan.channel, "type": plan.type, "priority": plan.priority,
            "customer_id": customer.id, "address_id": customer.addresses[0].id,
            "asset_id": plan.asset.id if plan.asset else None,
            "symptom_code": plan.symptom.code,
            "description": _lang(plan.symptom.text, language),
            "intake_answers": plan.symptom.intake[ZH if language == "zh" else EN],
            "customer_notes": notes,
        }, now=plan.created)
        visit = _Visit(plan, order, iter(plan.appointments))
        self.visits.append(visit)
        last = plan.created
        for step, at in plan.steps:
            getattr(self, f"_do_{step}")(visit, at)
            last = at
        order.updated_at = last
        # The state the order was in after its last step; the sweep at the end judges it
        # at ``now`` and records the breaches that happened since.
        order.sla_state = sla.grade(order, last)
        db.session.flush()

    def _text(self, visit: _Visit, pair: tuple[str, str]) -> str:
        return _lang(pair, visit.plan.city.language)

    def _update(self, actor: User, visit: _Visit, changes: dict, at: datetime) -> None:
        """``update_order`` back-dated: its events get ``at`` as their server time."""
        order = visit.order
        before = db.session.scalar(select(func.max(WorkOrderEvent.seq))
                                   .where(WorkOrderEvent.work_order_id == order.id)) or 0
        orders.update_order(actor, order, changes)
        for event in db.session.scalars(select(WorkOrderEvent).where(
                WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.seq > before)):
            event.server_time = at

    def _move(self, actor: User, visit: _Visit, target: str, at: datetime,
              reason: str | None = None, where: tuple[float, float] | None = None) -> None:
        in_field = actor.role == "technician"
        # The phone's clock and the upload lag put device time a little before server time.
        device_time = at - timedelta(seconds=self.rng.randint(3, 90)) if in_field else None
        latitude, longitude = where or (None, None)
        orders.transition(actor, visit.order, target, reason=reason, device_time=device_time,
                          latitude=latitude, longitude=longitude, now=at)

    def _at_customer(self, visit: _Visit) -> tuple[float, float]:
        address = visit.plan.customer.addresses[0]
        return self._near(address.latitude, address.longitude)

    def _tech_user(self, visit: _Visit) -> User:
        return visit.plan.tech.user

    def _note(self, visit: _Visit, author: User, body: str, at: datetime) -> None:
        note = WorkOrderNote(work_order_id=visit.order.id, author_id=author.id, body=body,
                             device_time=at if author.role == "technician" else None,
                             created_at=at)
        db.session.add(note)
        db.session.flush()
        orders.add_event(visit.order, "note", author, server_time=at,
                         device_time=note.device_time, data={"note_id": str(note.id)})

    def _do_schedule(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        start = next(visit.appointments)
        window = _h(1) if plan.priority == "emergency" else WINDOW
        self._update(plan.office, visit, {"assignee_id": plan.tech.id,
                                          "appointment_start": start,
                                          "appointment_end": start + window}, at)
        self._move(plan.office, visit, Status.SCHEDULED, at + timedelta(seconds=20))
        if _lang(CALL_FIRST, plan.city.language) in plan.customer.preferences:
            self._note(visit, plan.office, self._text(visit, CALL_FIRST_NOTE),
                       at + timedelta(seconds=40))
        elif self.rng.random() < 0.15:
            self._note(visit, plan.office, self._text(visit, self.rng.choice(OFFICE_NOTES)),
                       at + timedelta(seconds=40))

    def _do_rebook(self, visit: _Visit, at: datetime) -> None:
        start = next(visit.appointments)
        self._update(visit.plan.office, visit,
                     {"appointment_start": start, "appointment_end": start + WINDOW}, at)

    def _do_en_route(self, visit: _Visit, at: datetime) -> None:
        tech = visit.plan.tech
        visit.en_route_at = at
        self._move(tech.user, visit, Status.EN_ROUTE, at,
                   where=self._near(tech.home_latitude, tech.home_longitude, 0.01))

    def _do_turn_back(self, visit: _Visit, at: datetime) -> None:
        tech = visit.plan.tech
        self._move(tech.user, visit, Status.SCHEDULED, at,
                   reason=self._text(visit, REASONS["turn_back"]),
                   where=self._near(tech.home_latitude, tech.home_longitude, 0.02))

    def _do_on_site(self, visit: _Visit, at: datetime) -> None:
        tech = visit.plan.tech
        self._move(tech.user, visit, Status.ON_SITE, at, where=self._at_customer(visit))
        visit.on_site_at = at
        db.session.add(TimeLog(work_order_id=visit.order.id, technician_id=tech.id,
                               kind="travel", started_at=visit.en_route_at, ended_at=at,
                               created_at=at))
        if self.rng.random() < 0.3:
            self._update(tech.user, visit, {"arrival_notes": self._text(
                visit, self.rng.choice(ARRIVAL_NOTES))}, at + timedelta(seconds=30))

    def _do_diagnose(self, visit: _Visit, at: datetime) -> None:
        self._update(self._tech_user(visit), visit,
                     {"diagnosis": self._text(visit, visit.plan.outcome.diagnosis)}, at)
        if self.rng.random() < 0.25:
            self._note(visit, self._tech_user(visit),
                       self._text(visit, self.rng.choice(TECH_NOTES)), at + timedelta(seconds=30))

    def _log_work(self, visit: _Visit, at: datetime) -> None:
        db.session.add(TimeLog(work_order_id=visit.order.id, technician_id=visit.plan.tech.id,
                               kind="work", started_at=visit.on_site_at, ended_at=at,
                               created_at=at))

    def _do_await_parts(self, visit: _Visit, at: datetime) -> None:
        part = self._part_for(visit)
        visit.waiting_for = part
        if part is None:
            reason = ("需要的配件车上没有库存，已向仓库调货",
                      "The part needed is not on the van; ordered from the warehouse")
        else:
            reason = (f"需要更换{part.name_zh}（{part.sku}），车上没有库存，已向仓库调货",
                      f"Needs a new {part.name_en} ({part.sku}); not on the van, "
                      "ordered from the warehouse")
        self._move(self._tech_user(visit), visit, Status.AWAITING_PARTS, at,
                   reason=self._text(visit, reason), where=self._at_customer(visit))
        self._log_work(visit, at)

    def _do_await_customer(self, visit: _Visit, at: datetime) -> None:
        reason = self.rng.choice(REASONS["await_customer"])
        self._move(self._tech_user(visit), visit, Status.AWAITING_CUSTOMER, at,
                   reason=self._text(visit, reason), where=self._at_customer(visit))
        self._log_work(visit, at)

    def _do_reschedule(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        if visit.waiting_for is not None:
            # The part arrives at the depot and goes onto the technician's van.
            self._stock(visit.waiting_for, self.warehouse, self.vans[plan.tech.id], 1,
                        "transfer", at, plan.office, visit.order)
        start = next(visit.appointments)
        self._update(plan.office, visit,
                     {"appointment_start": start, "appointment_end": start + WINDOW}, at)
        self._move(plan.office, visit, Status.SCHEDULED, at + timedelta(seconds=20))

    def _part_for(self, visit: _Visit) -> Part | None:
        """The catalogue part the outcome calls for that fits the appliance, if any."""
        plan = visit.plan
        if plan.outcome.part is None:
            return None
        candidates = self.parts.get((plan.symptom.category, plan.outcome.part), [])
        model = plan.asset.model if plan.asset else None
        fitting = [p for p in candidates if not p.fits_models or model in p.fits_models]
        return self.rng.choice(fitting) if fitting else None

    def _do_use_parts(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        part = visit.waiting_for or self._part_for(visit)
        if part is None:
            return
        tech = plan.tech
        van = self.vans[tech.id]
        quantity = 2 if part.unit == "kg" and self.rng.random() < 0.4 else 1
        if self._level(van, part) < quantity:
            # Not on the van: picked up at the depot on the way.
            self._stock(part, self.warehouse, van, quantity, "transfer",
                        visit.en_route_at or at, tech.user, visit.order)
        usage = PartUsage(part_id=part.id, quantity=quantity,
                          unit_price_cents=part.price_cents, from_location_id=van.id,
                          technician_id=tech.id, device_time=at - timedelta(seconds=30),
                          created_at=at)
        visit.order.parts_used.append(usage)
        self._stock(part, van, None, quantity, "used_on_order", at, tech.user, visit.order)
        db.session.flush()
        orders.recompute_charges(visit.order)
        # Kind and data as the sync engine's ``use_part`` mutation writes them.
        orders.add_event(visit.order, "part_used", tech.user, server_time=at,
                         device_time=usage.device_time,
                         data={"part": part.sku, "quantity": quantity,
                               "line_id": str(usage.id)})

    def _do_resolve(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        self._update(plan.tech.user, visit, {
            "resolution": self._text(visit, plan.outcome.resolution),
            "root_cause": plan.outcome.root_cause,
        }, at)
        orders.recompute_charges(visit.order)

    def _do_complete(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        self._move(plan.tech.user, visit, Status.COMPLETED, at, where=self._at_customer(visit))
        self._log_work(visit, at)
        if plan.type == "install" and plan.asset is not None:
            assets.update_asset(plan.asset, {"installed_on": at.date()})

    def _do_sign(self, visit: _Visit, at: datetime) -> None:
        """The customer signs on the phone: a drawn signature, stored as the phone uploads
        it, over the content the server prints; the capture takes the order to signed."""
        order = visit.order
        signer = visit.plan.customer.name
        image = _signature_png(signer, self.ink)
        sha256 = hashlib.sha256(image).hexdigest()
        latitude, longitude = self._at_customer(visit)
        signed_at = at - timedelta(seconds=self.ink.randint(3, 90))
        signature = media.capture_signature(
            order, uuid.UUID(int=self.ink.getrandbits(128), version=4), signer, sha256,
            content_hash(signed_content(order)), signed_at, latitude, longitude)
        signature.received_at = at
        # The phone uploads the image after the capture that references it (sync §6).
        blob = blobs.receive_blob(sha256, io.BytesIO(image), "image/png",
                                  current_app.config["MAX_BLOB_BYTES"], self._tech_user(visit))
        blob.created_at = at
        self._move(self._tech_user(visit), visit, Status.SIGNED, at, where=(latitude, longitude))
        # Its report is due now (what was signed is what the server prints); it is rendered
        # through the normal job path once the seed commits.
        report = report_service.refresh(order)
        report.created_at = report.queued_at = at
        report_triggers.render_after_commit(report.id)

    def _do_survey(self, visit: _Visit, at: datetime) -> None:
        plan = visit.plan
        if plan.story.status == "reopened":
            rating = self.rng.choice([1, 2])
        elif plan.story.variant == "second_visit":
            rating = self.rng.choice([2, 3, 4])
        elif self.rng.random() < 0.3:
            return  # most customers never answer
        else:
            rating = self.rng.choice([5, 5, 5, 4, 4, 3])
        comment = self._text(visit, self.rng.choice(SURVEY_COMMENTS[rating])) \
            if self.rng.random() < 0.8 else None
        survey = Survey(work_order_id=visit.order.id, rating=rating, comment=comment,
                        channel=self.rng.choice(["link", "link", "device", "phone"]),
                        submitted_at=at)
        db.session.add(survey)
        db.session.flush()
        orders.add_event(visit.order, "survey", None, server_time=at,
                         data={"rating": rating})
        self.surveys.append((visit, survey))

    def _do_close(self, visit: _Visit, at: datetime) -> None:
        self._move(visit.plan.office, visit, Status.CLOSED, at)

    def _do_reopen(self, visit: _Visit, at: datetime) -> None:
        self._move(visit.plan.office, visit, Status.REOPENED, at,
                   reason=self._text(visit, REASONS["reopen"]))

    def _do_cancel(self, visit: _Visit, at: datetime) -> None:
        variant = visit.plan.story.variant
        reason = (self.rng.choice(REASONS["cancel_from_new"]) if variant == "from_new"
                  else REASONS[f"cancel_{variant}"])
        self._move(visit.plan.office, visit, Status.CANCELLED, at,
                   reason=self._text(visit, reason))

    # -- feedback and knowledge -----------------------------------------------------------

    def _calls(self) -> None:
        """The desk has called most customers of closed orders whose call was due (scores
        for the KPI dashboard); the calls still pending stay in the queue."""
        from .followups.models import FollowUp

        # Its own random stream: what the demo draws after this stays as it was.
        rng = random.Random(20260301)
        caller = self.staff["supervisor"]
        due = db.session.execute(
            select(FollowUp, WorkOrder).join(WorkOrder, WorkOrder.id == FollowUp.work_order_id)
            .where(FollowUp.status == "pending", WorkOrder.status == Status.CLOSED,
                   WorkOrder.completed_at.is_not(None))
            .order_by(WorkOrder.number)).all()
        for followup, order in due:
            # The signing hook dated the call from the seeding clock: date it from the visit.
            followup.due_at = orders.calendar().add_working_time(
                order.completed_at, timedelta(hours=20))
            if followup.due_at > self.now - timedelta(hours=4) or rng.random() < 0.2:
                continue
            good = rng.random() < 0.8
            followup.attempts += 1
            followup.caller_id, followup.outcome = caller.id, "reached"
            followup.timeliness = rng.choice([4, 5, 5] if good else [2, 3, 4])
            followup.attitude = rng.choice([4, 5, 5, 5] if good else [3, 4])
            followup.quality = rng.choice([4, 4, 5] if good else [2, 3])
            followup.solved = good or rng.random() < 0.5
            followup.status = "done"
            followup.done_at = followup.due_at + timedelta(minutes=rng.randint(30, 180))
        db.session.flush()

    def _complaints(self) -> None:
        """One answered complaint after a poor survey, one open one after a reopened job."""
        calendar = orders.calendar()
        rated = sorted((s for s in self.surveys if s[0].plan.story.status == "closed"),
                       key=lambda s: (s[1].rating, s[1].submitted_at))
        if rated:
            visit, survey = rated[0]
            received = survey.submitted_at + _h(1)
            db.session.add(Complaint(
                customer_id=visit.plan.customer.id, work_order_id=visit.order.id,
                technician_id=visit.order.assignee_id, asset_id=visit.order.asset_id,
                channel="phone", status="answered", owner_id=visit.plan.office.id,
                description=self._text(visit, (
                    "技师比约定时间晚到两个小时，也没有提前打电话，配件还要等第二次上门。",
                    "The engineer came two hours late without calling ahead, and then had "
                    "to come back a second time for the part.")),
                respond_by=sla.complaint_deadline(received, calendar),
                answered_at=min(received + _h(self.rng.uniform(3, 20)), self.now),
                created_at=received))
        reopened = [v for v in self.visits if v.plan.story.status == "reopened"]
        if reopened:
            visit = max(reopened, key=lambda v: v.plan.steps[-1][1])
            received = min(visit.plan.steps[-1][1] + self._minutes(5, 30), self.now)
            db.session.add(Complaint(
                customer_id=visit.plan.customer.id, work_order_id=visit.order.id,
                technician_id=visit.order.assignee_id, asset_id=visit.order.asset_id,
                channel="phone", status="open", owner_id=visit.plan.office.id,
                description=self._text(visit, (
                    "上次维修后三天又坏了，要求更换整机。",
                    "It broke again three days after the repair. I want a replacement.")),
                respond_by=sla.complaint_deadline(received, calendar),
                created_at=received))
        db.session.flush()

    def _quality_checks(self) -> None:
        from .qc.demo import seed as seed_quality

        db.session.flush()
        seed_quality(self.now, random.Random(RANDOM_SEED + 2), self.staff["supervisor"],
                     [(tech, spec.city.language) for tech, spec in self.techs])

    def _articles(self) -> None:
        # Matched by symptom too (a gas-smell job suggests the gas safety article), written by
        # the dispatcher of the article's language, with its first revision on the page.
        for language, category, models, tags, title, body in ARTICLES:
            author = self.staff["dispatcher.zh" if language == "zh" else "dispatcher"]
            saved = self.now - timedelta(days=self.rng.randint(10, 200))
            article = KnowledgeArticle(
                title=title, body=body, language=language, category=category,
                models=models, tags=tags, symptoms=ARTICLE_SYMPTOMS.get(models[0], []),
                author_id=author.id, revision=1, updated_at=saved)
            db.session.add(article)
            db.session.flush()
            db.session.add(KnowledgeArticleVersion(
                article_id=article.id, revision=1, author_id=author.id, saved_at=saved,
                **{key: getattr(article, key) for key in knowledge.FIELDS}))
        db.session.flush()

    def _counts(self) -> dict[str, int]:
        def count(model) -> int:
            return db.session.scalar(select(func.count()).select_from(model))

        return {
            "users": count(User), "technicians": count(Technician),
            "customers": count(Customer), "addresses": count(Address), "assets": count(Asset),
            "parts": count(Part), "stock levels": count(StockLevel),
            "stock movements": count(StockMovement), "work orders": count(WorkOrder),
            "order events": count(WorkOrderEvent), "notes": count(WorkOrderNote),
            "parts used": count(PartUsage), "time logs": count(TimeLog),
            "surveys": count(Survey), "complaints": count(Complaint),
            "knowledge articles": count(KnowledgeArticle),
        }
