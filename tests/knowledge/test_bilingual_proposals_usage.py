"""Articles in both languages; technicians' proposals from a job (offline, through sync)
and the office's review queue; openings and "did it help?" from the phone, and the
console's most used and least helpful articles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.knowledge import service
from server.knowledge.models import ArticleProposal, ArticleUse, KnowledgeArticle
from server.workorders import service as orders
from tests.factories import walk_to
from tests.sync.phone import Phone, new_id

GAS = {"title": "Gas smell: make the appliance safe first", "language": "en",
       "body": "Close the **gas valve**, then ventilate.",
       "translation_title": "燃气味：先确保安全", "translation_body": "先关闭**燃气阀**，再通风。",
       "category": "water_heater", "models": [], "symptoms": ["WH_GAS_SMELL"], "tags": []}


@pytest.fixture
def job(make_order, dispatcher, technician):
    order = make_order(actor=dispatcher, symptom_code="AC_NOT_COOLING")
    walk_to(order, "scheduled", dispatcher, technician)
    orders.update_order(technician.user, order, {"diagnosis": "Capacitor swollen",
                                                  "resolution": "Replaced the capacitor"})
    return order


# -- both languages ---------------------------------------------------------------------------

def test_the_reader_gets_their_language_and_falls_back_to_the_other(admin):
    both = service.create_article(admin, GAS)
    english_only = service.create_article(admin, {**GAS, "translation_title": None,
                                                  "translation_body": None})
    assert service.in_language(both, "zh") == ("zh", GAS["translation_title"],
                                               GAS["translation_body"])
    assert service.in_language(both, "en")[1] == GAS["title"]
    assert service.in_language(english_only, "zh") == ("en", GAS["title"], GAS["body"])
    # a Chinese reader searching in Chinese finds it
    assert service.list_articles(q="燃气阀") == [both]


def test_a_translation_needs_a_title_and_a_text_and_is_versioned(api_as, admin):
    refused = api_as(admin).post("/api/v1/articles/", json={**GAS, "translation_body": ""})
    assert refused.status_code == 422
    assert "translation_body" in str(refused.get_json())
    assert db.session.scalar(select(KnowledgeArticle.id)) is None  # nothing stored
    created = api_as(admin).post("/api/v1/articles/", json=GAS).get_json()
    assert created["texts"]["zh"]["title"] == GAS["translation_title"]
    assert "<strong>燃气阀</strong>" in created["texts"]["zh"]["body_html"]
    patched = api_as(admin).patch(f"/api/v1/articles/{created['id']}",
                                  json={"translation_title": "燃气味：安全第一"})
    assert patched.status_code == 200 and patched.get_json()["revision"] == 2
    versions = api_as(admin).get(f"/api/v1/articles/{created['id']}/versions").get_json()
    assert [v["translation_title"] for v in versions] == ["燃气味：安全第一",
                                                          GAS["translation_title"]]


def test_the_phone_receives_both_languages(client, admin, technician, job):
    service.create_article(admin, GAS)
    phone = Phone(client, technician)
    phone.pull()
    [zh] = phone.visible_articles("zh")
    assert zh["shown_title"] == GAS["translation_title"]
    assert phone.visible_articles("en")[0]["shown_title"] == GAS["title"]


# -- proposals --------------------------------------------------------------------------------

def test_a_proposal_from_a_job_lands_in_the_queue_once(client, technician, job):
    phone = Phone(client, technician)
    phone.pull()
    proposal_id = phone.propose_article(str(job.id), "Swollen capacitor on KFR-35GW",
                                        "Capacitor swollen\n\nReplaced the capacitor")
    mutation = dict(phone.outbox[-1])
    phone.push_all()
    phone.outbox.append({**mutation, "id": phone.next_id})  # a client sending it again
    phone.next_id += 1
    phone.queued += 1
    phone.push_all()
    assert len(phone.applied) == 2 and not phone.rejections  # the replay is applied, once
    [proposal] = service.proposals()
    assert str(proposal.id) == proposal_id and proposal.work_order_id == job.id
    assert proposal.author_id == technician.user.id and proposal.status == "proposed"


def test_the_same_proposal_id_with_other_text_is_refused(client, technician, job):
    phone = Phone(client, technician)
    proposal_id = phone.propose_article(str(job.id), "A", "one")
    phone.queue("propose_article", {"proposal_id": proposal_id, "order_id": str(job.id),
                                    "title": "A", "body": "two", "language": "en",
                                    "device_time": phone.now()})
    phone.push_all()
    [rejected] = phone.rejections.values()
    assert rejected["reason"] == "duplicate_id" and "proposal_id" in rejected["errors"]


def test_a_proposal_for_someone_elses_order_is_refused(client, make_technician, job):
    stranger = make_technician()
    phone = Phone(client, stranger)
    phone.propose_article(str(job.id), "A", "text")
    phone.push_all()
    [rejected] = phone.rejections.values()
    assert rejected["reason"] == "not_in_scope"
    assert db.session.scalar(select(ArticleProposal.id)) is None


def test_accepting_makes_a_draft_matched_to_the_job_that_phones_do_not_show(
        client, technician, dispatcher, job):
    phone = Phone(client, technician)
    phone.propose_article(str(job.id), "Swollen capacitor", "Replace it.")
    phone.push_all()
    [proposal] = service.proposals()
    draft = service.accept_proposal(dispatcher, proposal)
    assert (draft.published, draft.category, draft.models, draft.symptoms) == (
        False, "air_conditioner", ["KFR-35GW"], ["AC_NOT_COOLING"])
    assert draft.author_id == technician.user.id and proposal.status == "accepted"
    assert service.proposals() == []
    assert service.list_articles(model="KFR-35GW") == []  # a draft is not suggested
    phone.pull()
    assert phone.visible_articles() == []
    service.publish_article(dispatcher, draft)
    phone.pull()
    assert [a["shown_title"] for a in phone.visible_articles()] == ["Swollen capacitor"]
    assert service.list_articles(model="KFR-35GW", symptom="AC_NOT_COOLING") == [draft]


def test_rejecting_needs_a_note_and_a_reviewed_proposal_cannot_be_reviewed_again(
        client, technician, dispatcher, job):
    from server.errors import Conflict, Invalid

    phone = Phone(client, technician)
    phone.propose_article(str(job.id), "Tip", "Text")
    phone.push_all()
    [proposal] = service.proposals()
    with pytest.raises(Invalid) as missing:
        service.reject_proposal(dispatcher, proposal, "  ")
    assert "note" in missing.value.errors
    service.reject_proposal(dispatcher, proposal, "Already in the manual")
    assert proposal.status == "rejected" and proposal.review_note == "Already in the manual"
    with pytest.raises(Conflict):
        service.accept_proposal(dispatcher, proposal)


# -- usage ------------------------------------------------------------------------------------

def test_openings_and_answers_make_the_most_used_and_least_helpful_lists(
        client, admin, technician, job):
    gas = service.create_article(admin, GAS)
    noise = service.create_article(admin, {**GAS, "title": "Noise", "symptoms": []})
    unused = service.create_article(admin, {**GAS, "title": "Unused", "symptoms": []})
    phone = Phone(client, technician)
    phone.pull()
    for helpful in (True, True, False):
        phone.rate_article(phone.open_article(str(gas.id), str(job.id)), helpful)
    use = phone.open_article(str(noise.id))  # from the knowledge screen, not a job
    phone.rate_article(use, True)
    phone.rate_article(use, False)  # changed their mind: the last answer counts
    phone.push_all()
    assert not phone.rejections
    most, least = service.usage()
    assert [(u.article, u.opened) for u in most] == [(gas, 3), (noise, 1)]
    assert [(u.article, u.helpful, u.not_helpful) for u in least] == [(noise, 0, 1),
                                                                      (gas, 2, 1)]
    assert unused not in [u.article for u in most]
    assert db.session.scalar(select(ArticleUse.work_order_id).where(
        ArticleUse.article_id == noise.id)) is None


def test_rating_an_unknown_opening_or_opening_an_unknown_article_is_refused(
        client, technician):
    phone = Phone(client, technician)
    phone.rate_article(new_id(), True)
    phone.open_article(new_id())
    phone.push_all()
    assert sorted(r["reason"] for r in phone.rejections.values()) == [
        "unknown_article", "unknown_use"]


# -- the console ------------------------------------------------------------------------------

def _sign_in(client, user):
    from tests.factories import PASSWORD

    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302


def test_the_editor_writes_both_languages_and_each_reader_sees_theirs_first(client, dispatcher):
    _sign_in(client, dispatcher)
    half = client.post("/knowledge/new?lang=en", data={
        "title_en": GAS["title"], "body_en": GAS["body"], "title_zh": "只有标题",
        "category": "water_heater", "symptoms": ["WH_GAS_SMELL"]})
    assert half.status_code == 422 and 'id="body_zh-error"' in half.get_data(as_text=True)
    assert db.session.scalar(select(KnowledgeArticle.id)) is None
    saved = client.post("/knowledge/new?lang=en", data={
        "title_en": GAS["title"], "body_en": GAS["body"], "title_zh": GAS["translation_title"],
        "body_zh": GAS["translation_body"], "category": "water_heater",
        "symptoms": ["WH_GAS_SMELL"]})
    assert saved.status_code == 302
    article = db.session.scalars(select(KnowledgeArticle)).one()
    assert (article.language, article.translation_title) == ("en", GAS["translation_title"])
    zh = client.get(f"/knowledge/{article.id}?lang=zh").get_data(as_text=True)
    assert zh.index("<strong>燃气阀</strong>") < zh.index("<strong>gas valve</strong>")
    assert f"<h1 lang=\"zh-Hans\">{GAS['translation_title']}" in zh
    en = client.get(f"/knowledge/{article.id}?lang=en").get_data(as_text=True)
    assert en.index("<strong>gas valve</strong>") < en.index("<strong>燃气阀</strong>")
    listing = client.get("/knowledge/?lang=zh").get_data(as_text=True)
    assert GAS["translation_title"] in listing and "English, 简体中文" in listing
    # the Chinese text can be removed again: the article stays English only
    client.post(f"/knowledge/{article.id}/edit?lang=en", data={
        "title_en": GAS["title"], "body_en": GAS["body"], "category": "water_heater"})
    db.session.expire_all()
    assert (article.translation_title, article.revision) == (None, 2)


def test_the_review_queue_accepts_and_rejects_in_chinese(client, technician, dispatcher, job):
    phone = Phone(client, technician)
    phone.propose_article(str(job.id), "电容鼓包", "更换电容。", language="zh")
    phone.propose_article(str(job.id), "Duplicate tip", "Already known.")
    phone.push_all()
    first, second = service.proposals()
    _sign_in(client, dispatcher)
    queue = client.get("/knowledge/proposals?lang=zh").get_data(as_text=True)
    assert "电容鼓包" in queue and job.number in queue and "2 条待审核" in queue
    blank = client.post(f"/knowledge/proposals/{second.id}/reject?lang=zh", data={"note": ""})
    assert blank.status_code == 422 and "请说明拒绝的原因。" in blank.get_data(as_text=True)
    client.post(f"/knowledge/proposals/{second.id}/reject", data={"note": "Already known"})
    accepted = client.post(f"/knowledge/proposals/{first.id}/accept")
    assert accepted.status_code == 302 and accepted.location.endswith("/edit")
    page = client.get(f"/knowledge/{first.article_id}?lang=zh").get_data(as_text=True)
    assert "草稿" in page and "发布" in page
    client.post(f"/knowledge/{first.article_id}/publish")
    assert db.session.get(KnowledgeArticle, first.article_id).published
    queue = client.get("/knowledge/proposals?lang=zh").get_data(as_text=True)
    assert "没有待审核的建议。" in queue and "已拒绝" in queue and "已采纳" in queue
    again = client.post(f"/knowledge/proposals/{second.id}/accept", follow_redirects=True)
    assert "此建议已审核过。" in again.get_data(as_text=True)


def test_the_usage_page_lists_most_used_and_least_helpful(client, admin, technician, dispatcher,
                                                         job):
    gas = service.create_article(admin, GAS)
    phone = Phone(client, technician)
    phone.pull()
    phone.rate_article(phone.open_article(str(gas.id), str(job.id)), False)
    phone.open_article(str(gas.id), str(job.id))
    phone.push_all()
    _sign_in(client, dispatcher)
    page = client.get("/knowledge/usage?lang=zh").get_data(as_text=True)
    most = page[page.index('data-testid="most-used"'):page.index('data-testid="least-helpful"')]
    least = page[page.index('data-testid="least-helpful"'):]
    assert GAS["translation_title"] in most and ">2<" in most
    assert GAS["translation_title"] in least and "0 %" in least


# -- images -----------------------------------------------------------------------------------

def _png(color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return out.getvalue()


def test_an_image_uploaded_in_the_editor_shows_in_the_article_and_reaches_the_phone(
        client, dispatcher, technician, job, api_as):
    import hashlib
    import io

    _sign_in(client, dispatcher)
    data = _png()
    sha = hashlib.sha256(data).hexdigest()
    uploaded = client.post("/knowledge/images", data={"image": (io.BytesIO(data), "valve.png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 200
    assert f"![valve](kb:{sha})" in uploaded.get_data(as_text=True)
    again = client.post("/knowledge/images", data={"image": (io.BytesIO(data), "v.png")},
                        content_type="multipart/form-data")
    assert again.status_code == 200  # the same bytes: the same image
    article = service.create_article(dispatcher, {
        **GAS, "body": f"Close the valve:\n\n![valve](kb:{sha})"})
    db.session.commit()
    page = client.get(f"/knowledge/{article.id}").get_data(as_text=True)
    assert f'src="/knowledge/images/{sha}"' in page
    served = client.get(f"/knowledge/images/{sha}")
    assert served.status_code == 200 and served.mimetype in ("image/png", "image/jpeg")
    # the phone: the article names its images, and the API serves them to the technician
    phone = Phone(client, technician)
    phone.pull()
    [row] = phone.rows("article").values()
    assert row["images"] == [sha]
    body = api_as(technician.user).get(f"/api/v1/articles/{article.id}").get_json()
    assert f'src="/api/v1/articles/images/{sha}"' in body["body_html"]
    image = api_as(technician.user).get(f"/api/v1/articles/images/{sha}")
    assert image.status_code == 200 and image.data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0",
                                                           b"\xff\xd8\xff\xdb")


def test_only_knowledge_images_are_served_and_a_non_image_is_refused(client, dispatcher,
                                                                    api_as, technician):
    import io

    _sign_in(client, dispatcher)
    refused = client.post("/knowledge/images",
                          data={"image": (io.BytesIO(b"%PDF-1.4 not an image"), "x.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and 'id="image-error"' in refused.get_data(as_text=True)
    empty = client.post("/knowledge/images", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    from server.knowledge.models import ArticleImage
    assert db.session.scalar(select(ArticleImage.sha256)) is None
    unknown = "ab" * 32
    assert api_as(technician.user).get(f"/api/v1/articles/images/{unknown}").status_code == 404
    assert api_as(technician.user).get("/api/v1/articles/images/nothex").status_code == 404
    assert client.get(f"/knowledge/images/{unknown}").status_code == 404


def test_the_api_reviews_proposals_publishes_and_reports_usage(client, api_as, technician,
                                                               dispatcher, job):
    phone = Phone(client, technician)
    phone.propose_article(str(job.id), "Swollen capacitor", "Replace it.")
    phone.propose_article(str(job.id), "Known tip", "Already known.")
    phone.push_all()
    office = api_as(dispatcher)
    queue = office.get("/api/v1/articles/proposals").get_json()
    assert [(p["title"], p["order_number"]) for p in queue] == [
        ("Swollen capacitor", job.number), ("Known tip", job.number)]
    missing = office.post(f"/api/v1/articles/proposals/{queue[1]['id']}/reject", json={})
    assert missing.status_code == 422 and "note" in missing.get_json()["errors"]["json"]
    rejected = office.post(f"/api/v1/articles/proposals/{queue[1]['id']}/reject",
                           json={"note": "Known"})
    assert rejected.get_json()["status"] == "rejected"
    draft = office.post(f"/api/v1/articles/proposals/{queue[0]['id']}/accept")
    assert draft.status_code == 201 and draft.get_json()["published"] is False
    again = office.post(f"/api/v1/articles/proposals/{queue[0]['id']}/accept")
    assert again.status_code == 409
    assert office.get("/api/v1/articles/proposals").get_json() == []
    assert [p["status"] for p in office.get(
        "/api/v1/articles/proposals?status=rejected").get_json()] == ["rejected"]
    article_id = draft.get_json()["id"]
    assert office.post(f"/api/v1/articles/{article_id}/publish").get_json()["published"]
    phone.pull()
    phone.rate_article(phone.open_article(article_id, str(job.id)), True)
    phone.push_all()
    usage = office.get("/api/v1/articles/usage").get_json()
    assert usage["most_used"] == [{"article_id": article_id, "title": "Swollen capacitor",
                                   "opened": 1, "helpful": 1, "not_helpful": 0,
                                   "helpful_share": 1.0}]
