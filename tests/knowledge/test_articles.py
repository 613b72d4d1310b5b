"""The office writes articles; they are matched to a job by symptom, model and category,
sanitised, versioned, over the API and in the console, in both languages."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.knowledge import service
from server.knowledge.models import KnowledgeArticle
from tests.factories import PASSWORD

GAS = {"title": "Gas smell: make the appliance safe first", "language": "en",
       "category": "water_heater", "models": [], "symptoms": ["WH_GAS_SMELL"], "tags": ["gas"],
       "body": "1. Close the **gas valve**.\n2. Ventilate.\n\n<script>alert(1)</script>\n\n"
               "[call](javascript:alert(1))"}


def test_a_gas_smell_on_any_water_heater_finds_the_gas_article(admin):
    gas = service.create_article(admin, GAS)
    by_model = service.create_article(admin, {**GAS, "title": "JSQ24 manual", "symptoms": [],
                                              "models": ["JSQ24-12"]})
    service.create_article(admin, {**GAS, "title": "AC only", "category": "air_conditioner",
                                   "symptoms": ["AC_NOISE"]})
    found = service.list_articles(model="JSQ24-12", symptom="WH_GAS_SMELL",
                                  category="water_heater")
    assert found == [gas, by_model]  # the symptom counts more than the model
    assert service.list_articles(model="OTHER-1", symptom="WH_GAS_SMELL") == [gas]
    assert service.list_articles(model="OTHER-1", symptom="WH_NO_HOT_WATER") == []


def test_the_body_is_rendered_without_scripts_or_script_links():
    html = str(service.render(GAS["body"]))
    assert "<strong>gas valve</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_every_edit_is_a_new_version_with_its_author(admin, dispatcher):
    article = service.create_article(admin, GAS)
    service.update_article(dispatcher, article, {"title": "Gas smell: safety first"})
    service.update_article(dispatcher, article, {"title": "Gas smell: safety first"})  # no-op
    assert article.revision == 2
    db.session.expire_all()
    versions = db.session.get(KnowledgeArticle, article.id).versions
    assert [(v.revision, v.title, v.author_id) for v in versions] == [
        (2, "Gas smell: safety first", dispatcher.id), (1, GAS["title"], admin.id)]


def test_the_api_matches_by_model_and_symptom(api_as, admin, technician):
    created = api_as(admin).post("/api/v1/articles/", json=GAS)
    assert created.status_code == 201
    body = created.get_json()
    assert body["revision"] == 1 and "<strong>gas valve</strong>" in body["body_html"]
    found = api_as(technician.user).get("/api/v1/articles/?model=JSQ24-12&symptom=WH_GAS_SMELL")
    assert [a["id"] for a in found.get_json()] == [body["id"]]
    patched = api_as(admin).patch(f"/api/v1/articles/{body['id']}",
                                  json={"symptoms": ["WH_GAS_SMELL", "WH_TANK_LEAK"]})
    assert patched.get_json()["revision"] == 2
    versions = api_as(admin).get(f"/api/v1/articles/{body['id']}/versions").get_json()
    assert [v["revision"] for v in versions] == [2, 1]


def test_a_technician_reads_only_published_articles(api_as, admin, technician):
    draft = service.create_article(admin, {**GAS, "published": False})  # an accepted proposal
    db.session.commit()
    url = f"/api/v1/articles/{draft.id}"
    assert api_as(technician.user).get(url).status_code == 404
    assert api_as(technician.user).get("/api/v1/articles/").get_json() == []
    assert api_as(admin).get(url).status_code == 200
    api_as(admin).post(f"{url}/publish")
    assert api_as(technician.user).get(url).status_code == 200


def test_an_unknown_symptom_code_is_refused_naming_the_field(api_as, admin):
    response = api_as(admin).post("/api/v1/articles/", json={**GAS, "symptoms": ["NOPE"]})
    assert response.status_code == 422
    assert "symptoms" in response.get_json()["errors"]
    assert db.session.scalar(select(KnowledgeArticle.id)) is None


def test_a_technician_may_not_write_articles(api_as, technician):
    assert api_as(technician.user).post("/api/v1/articles/", json=GAS).status_code == 403


def test_the_office_writes_an_article_in_the_console_in_chinese(client, dispatcher):
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    form = client.get("/knowledge/new?lang=zh").get_data(as_text=True)
    assert "撰写文章" in form and "适用的故障现象" in form
    refused = client.post("/knowledge/new", data={"title_zh": "", "body_zh": "",
                                                  "category": "water_heater"})
    assert refused.status_code == 422
    saved = client.post("/knowledge/new", data={
        "title_zh": "燃气异味：先确保安全", "body_zh": "1. 关闭**燃气阀门**。",
        "category": "water_heater", "models": "JSQ24-12，JSQ30-16",
        "symptoms": ["WH_GAS_SMELL"], "tags": "燃气"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "文章已保存。" in page and "<strong>燃气阀门</strong>" in page
    assert "燃气异味" in page and "第 1 版" in page
    article = db.session.scalars(select(KnowledgeArticle)).one()
    assert article.models == ["JSQ24-12", "JSQ30-16"] and article.symptoms == ["WH_GAS_SMELL"]
    listing = client.get("/knowledge/?symptom=WH_GAS_SMELL&lang=en").get_data(as_text=True)
    assert "燃气异味：先确保安全" in listing and "1 article" in listing
