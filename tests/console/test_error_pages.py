"""A console error page speaks the reader's language: Werkzeug's generic English sentence
never shows on a Chinese page; the API keeps its one error shape."""

from __future__ import annotations

from tests.api.test_console import sign_in, text


def test_a_missing_page_is_explained_in_chinese(client, dispatcher):
    sign_in(client, dispatcher)
    response = client.get("/stock/no-such-page?lang=zh")
    assert response.status_code == 404
    body = text(response)
    assert "没有这个页面" in body and "未找到" in body
    assert "The requested URL was not found" not in body


def test_a_service_s_own_message_is_kept(client, dispatcher):
    sign_in(client, dispatcher)
    response = client.get("/orders/00000000-0000-0000-0000-000000000000?lang=en")
    assert response.status_code == 404
    assert "There is no such page" not in text(response)  # the service said what is missing


def test_the_api_keeps_its_shape(client):
    body = client.get("/api/v1/no-such-thing").get_json()
    assert body["code"] == 404 and body["message"] == "Not Found" and body["description"]


def test_a_busy_database_gives_a_browser_the_busy_page_not_a_500(app, client, dispatcher,
                                                                    monkeypatch):
    # SQLite busy: the view fails, and so does every later read (the page's language is a
    # setting): the browser still gets the 503 and the words to wait, in both languages.
    from sqlalchemy.exc import OperationalError

    from server.settings import service as settings

    sign_in(client, dispatcher)

    def locked(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(settings, "_stored", locked)
    response = client.get("/orders", headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    body = text(response)
    assert "Please try again in a moment." in body and "系统繁忙" in body
