"""Administration under /admin: only an admin may open it; accounts, roles, passwords,
supervisors and technicians are managed there; bad input names the field and stores
nothing; every change is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.extensions import db
from server.technicians.models import Technician
from tests import factories


def text(response) -> str:
    return response.get_data(as_text=True)


def sign_in(client, user, password=factories.PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


@pytest.fixture
def admin_client(client, admin):
    assert sign_in(client, admin).status_code == 302
    return client


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


@pytest.mark.parametrize("role", ["dispatcher", "technician"])
def test_every_role_but_admin_is_refused(client, make_user, role):
    user = make_user(role)
    sign_in(client, user)  # a technician cannot even sign in to the console

    def refused(response):
        return response.status_code == 403 or (
            response.status_code == 302 and "/login" in response.headers["Location"])

    for url in ("/admin", "/admin/audit"):
        assert refused(client.get(url))
    assert refused(client.post(f"/admin/users/{user.id}/active", data={"active": "0"}))
    assert db.session.get(User, user.id).active


def test_someone_signed_out_is_sent_to_sign_in(client):
    assert client.get("/admin").status_code == 302


def test_an_admin_creates_a_technician_who_gets_a_profile_and_an_audit_line(admin_client):
    response = admin_client.post("/admin/users", data={
        "name": "Ana Li", "email": "ana@example.com", "role": "technician", "region": "徐汇区",
        "locale": "zh", "password": "long enough pw"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    assert user.role == "technician" and user.locale == "zh"
    tech = db.session.scalar(select(Technician).where(Technician.user_id == user.id))
    assert tech.region == "徐汇区"
    assert "user.created" in actions()
    assert "Account created" in text(admin_client.get("/admin/audit"))


def test_bad_input_names_the_field_and_stores_nothing(admin_client):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = admin_client.post("/admin/users", data={
        "name": "", "email": "not-an-address", "role": "technician", "region": "",
        "password": "short"})
    assert response.status_code == 422
    body = text(response)
    for message in ("Enter the person&#39;s name.", "Enter an e-mail address.",
                    "A technician needs a region.", "At least 8 characters."):
        assert message.replace("&#39;", "'") in body.replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_deactivate_reset_a_password_and_set_a_supervisor(client, admin_client, make_user,
                                                          make_technician, admin):
    dispatcher = make_user("dispatcher")
    boss = make_user("dispatcher")
    assert admin_client.post(f"/admin/users/{boss.id}/supervisor",
                             data={"supervisor_id": str(admin.id)}).status_code == 302
    assert admin_client.post(f"/admin/users/{dispatcher.id}/supervisor",
                             data={"supervisor_id": str(boss.id)}).status_code == 302
    assert db.session.get(User, dispatcher.id).supervisor_id == boss.id
    # A circle is refused, naming the field.
    circle = admin_client.post(f"/admin/users/{boss.id}/supervisor",
                               data={"supervisor_id": str(dispatcher.id)})
    assert circle.status_code == 422 and "circle of supervisors" in text(circle)
    assert db.session.get(User, boss.id).supervisor_id == admin.id

    assert admin_client.post(f"/admin/users/{dispatcher.id}/password",
                             data={"password": "a brand new one"}).status_code == 302
    tech = make_technician()
    assert admin_client.post(f"/admin/users/{tech.user_id}/active",
                             data={"active": "0"}).status_code == 302
    assert not db.session.get(User, tech.user_id).active
    assert not db.session.get(Technician, tech.id).active
    assert {"user.supervisor_set", "user.password_reset", "user.deactivated"} <= set(actions())

    admin_client.post("/logout")
    assert sign_in(client, dispatcher, "a brand new one").status_code == 302


def test_an_admin_cannot_lock_themselves_out(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert db.session.get(User, admin.id).active


def test_a_technician_s_skills_region_and_home_base(admin_client, make_technician):
    tech = make_technician()
    response = admin_client.post(f"/admin/technicians/{tech.id}", data={
        "skills": ["water_heater", "repair"], "region": "Camden", "home_base": "Kentish Town",
        "latitude": "51.55", "longitude": "-0.14"})
    assert response.status_code == 302
    db.session.expire_all()
    tech = db.session.get(Technician, tech.id)
    assert tech.skills == ["water_heater", "repair"] and tech.region == "Camden"
    assert (tech.home_latitude, tech.home_longitude) == (51.55, -0.14)
    refused = admin_client.post(f"/admin/technicians/{tech.id}", data={
        "skills": ["juggling"], "region": "Camden", "latitude": "500", "longitude": "0"})
    assert refused.status_code == 422
    assert "Choose skills from the list." in text(refused)
    assert "Give both coordinates" in text(refused)
    db.session.expire_all()
    assert db.session.get(Technician, tech.id).skills == ["water_heater", "repair"]
    assert actions().count("technician.updated") == 1


def test_the_admin_pages_speak_chinese(admin_client):
    body = text(admin_client.get("/admin?lang=zh"))
    assert "系统管理" in body and "新建账号" in body and "管理员" in body


def test_an_admin_renames_a_part_and_changes_its_price(admin_client, make_part):
    part = make_part()
    url = f"/admin/parts/{part.id}"
    refused = admin_client.post(url, data={"name_en": "", "name_zh": "电容",
                                           "price": "-3", "active": "1"})
    assert refused.status_code == 422
    body = text(refused)
    assert "Enter the English name." in body and "A price such as 45.00" in body
    db.session.expire_all()
    assert db.session.get(type(part), part.id).price_cents == part.price_cents
    assert admin_client.post(url, data={"name_en": "Run capacitor 35 µF", "name_zh": "运行电容",
                                        "price": "52.50", "active": "1"}).status_code == 302
    db.session.expire_all()
    saved = db.session.get(type(part), part.id)
    assert (saved.name_en, saved.price_cents, saved.active) == ("Run capacitor 35 µF", 5250, True)
    assert "part.updated" in actions()
    assert f'data-part="{saved.sku}"' in text(admin_client.get("/admin"))


def test_an_admin_adds_a_part_to_the_catalogue_and_a_wrong_one_is_refused_by_field(
        admin_client):
    from server.inventory.models import Part

    refused = admin_client.post("/admin/parts?lang=zh", data={
        "sku": "x", "name_en": "", "name_zh": "温控器", "category": "boat", "price": "abc",
        "unit": "pcs"})
    assert refused.status_code == 422
    body = text(refused)
    for message in ("2 到 40 个字母", "请选择产品类别。", "45.00"):
        assert message in body
    assert db.session.scalar(select(Part.id).where(Part.sku == "X")) is None
    added = admin_client.post("/admin/parts", data={
        "sku": "thermo-12", "name_en": "Thermostat", "name_zh": "温控器",
        "category": "water_heater", "price": "38.50", "unit": "pcs",
        "fits_models": "E60VN3, JSQ24-12"})
    assert added.status_code == 302
    part = db.session.scalar(select(Part).where(Part.sku == "THERMO-12"))
    assert (part.name_zh, part.price_cents, part.fits_models, part.active) == (
        "温控器", 3850, ["E60VN3", "JSQ24-12"], True)
    assert "part.created" in actions()
    again = admin_client.post("/admin/parts", data={
        "sku": "THERMO-12", "name_en": "Thermostat", "name_zh": "温控器",
        "category": "water_heater", "price": "38.50"})
    assert again.status_code == 422 and "已有使用此编号的配件。" in text(again)  # still in Chinese
    assert 'data-part="THERMO-12"' in text(admin_client.get("/admin"))
