"""The demo's checklist templates: a gas appliance safety checklist that must be complete
before a gas job is completed, and an installation checklist with measured values and the
customer's training (seed 003: 安装调试, 对用户工作人员进行培训)."""

from __future__ import annotations

from . import service

GAS_MODELS = ["JSQ31-C05", "ecoTEC plus 832", "Greenstar 30i"]


def _item(key, kind, en, zh, required=True, unit=None, low=None, high=None):
    return {"key": key, "kind": kind, "label_en": en, "label_zh": zh, "required": required,
            "unit": unit, "min": low, "max": high}


GAS_SAFETY = {
    "name_en": "Gas appliance safety", "name_zh": "燃气具安全检查",
    "job_types": ["repair", "maintenance", "install"], "category": "water_heater",
    "models": GAS_MODELS, "blocks_completion": True,
    "items": [
        _item("leak_test", "tick", "Gas leak test passed (leak-detection fluid on every joint)",
              "燃气泄漏检测合格（所有接口涂检漏液）"),
        _item("inlet_pressure", "number", "Gas inlet pressure", "燃气进气压力",
              unit="mbar", low=17, high=25),
        _item("flue", "tick", "Flue checked: sealed, clear, terminal unobstructed",
              "烟道检查：密封、畅通、出口无遮挡"),
        _item("ignition", "tick", "Ignition and flame checked", "点火及火焰检查正常"),
        _item("co_reading", "number", "CO reading at the flue", "烟道一氧化碳读数",
              required=False, unit="ppm", low=0, high=100),
    ],
}

INSTALLATION = {
    "name_en": "Installation and commissioning", "name_zh": "安装调试",
    "job_types": ["install"], "category": None, "models": [], "blocks_completion": True,
    "items": [
        _item("level", "tick", "Unit level and secured", "机器水平、固定牢固"),
        _item("supply_voltage", "number", "Supply voltage", "电源电压", unit="V",
              low=207, high=253),
        _item("earth", "number", "Earth resistance", "接地电阻", unit="Ω", low=0, high=4),
        _item("test_run", "tick", "Test run completed", "试运行完成"),
        _item("photo_installed", "photo", "Photo of the installed unit", "安装完成照片",
              required=False),
        _item("customer_trained", "tick", "Customer trained in use and care",
              "已对用户进行使用与保养培训"),
        _item("remarks", "text", "Remarks", "备注", required=False),
    ],
}


def seed(actor=None) -> int:
    """Add the demo templates; returns how many."""
    for data in (GAS_SAFETY, INSTALLATION):
        service.create_template(actor, data)
    return 2
