""""Sign what you see" for a quote: the content the customer approves or declines, and its
hash — the same canonical form and SHA-256 as the service report (reports/content.py).

The phone builds it from what it holds (pwa/js/quote-content.js), shows it, and sends its
hash with the customer's signature; the server builds it again from its own rows and the
quoted lines and compares. tests/vectors/quote_content.json holds vectors both sides must
reproduce byte for byte. Contract (version 1, docs/signed-content.md, "Quotes"):

    {"v":1, "kind":"quote", "quote_id", "order":{"id","number"}, "language":"en"|"zh",
     "customer":{"name","address"},
     "asset":null|{"brand","model","serial"},
     "lines":[{"kind":"labour"|"part"|"travel", "sku" (null unless a part),
               "name" (the part's name in the language; null unless a part),
               "quantity","unit_price_cents","total_cents"}]   (by kind, then sku),
     "total_cents", "diagnostic_fee_cents", "currency", "decision":"approved"|"declined"}
"""

from __future__ import annotations

from ..reports.content import address_line, canonical, content_hash, language_of

__all__ = ["VERSION", "quote_content", "canonical", "content_hash"]

VERSION = 1


def content_lines(lines: list[dict], language: str) -> list[dict]:
    """The quote's lines as signed: parts named in the language, sorted by kind then sku."""
    rows = [{"kind": line["kind"], "sku": line.get("sku"),
             "name": (line["name_zh"] if language == "zh" else line["name_en"])
             if line["kind"] == "part" else None,
             "quantity": line["quantity"], "unit_price_cents": line["unit_price_cents"],
             "total_cents": line["total_cents"]} for line in lines]
    return sorted(rows, key=lambda row: (row["kind"], row["sku"] or ""))


def quote_content(order, quote_id, lines: list[dict], decision: str,
                  diagnostic_fee_cents: int) -> dict:
    """The version-1 content of a quote on ``order`` with ``lines`` (each with ``kind``,
    ``sku``, ``name_en``, ``name_zh``, ``quantity``, ``unit_price_cents``,
    ``total_cents``)."""
    language = language_of(order)
    asset = order.asset
    signed = content_lines(lines, language)
    return {
        "v": VERSION,
        "kind": "quote",
        "quote_id": str(quote_id).lower(),
        "order": {"id": str(order.id).lower(), "number": order.number},
        "language": language,
        "customer": {"name": order.customer.name, "address": address_line(order.address)},
        "asset": None if asset is None else {"brand": asset.brand, "model": asset.model,
                                             "serial": asset.serial},
        "lines": signed,
        "total_cents": sum(row["total_cents"] for row in signed),
        "diagnostic_fee_cents": diagnostic_fee_cents,
        "currency": order.currency,
        "decision": decision,
    }
