"""A page number typed or pasted too large into a console list's address shows an empty
page, never a 500 (SQLite cannot bind an offset that large; the stock ledger, warranty
claims, returns and customers lists passed it through)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.test_console import sign_in

HUGE = "999999999999999999999"


@pytest.fixture
def part():
    return factories.make_part()


@pytest.mark.parametrize("path", ["/stock/parts/{part}", "/warranty/claims", "/returns",
                                  "/customers"])
def test_a_huge_page_number_shows_an_empty_page(client, admin, part, path):
    assert sign_in(client, admin).status_code == 302
    response = client.get(path.format(part=part.id) + f"?page={HUGE}")
    assert response.status_code == 200
