"""A device speaking the sync protocol through the real HTTP API, as a client would.

It keeps an outbox of mutations with increasing ids, deletes an entry only when a push
response carries its result, stores what it pulls keyed by (type, id), drops orders the
server says left its scope once it has nothing pending for them, and resyncs from cursor 0
when the scope checksum disagrees with what it holds. When the office revokes it, it signs
in as a new device, adopts its outbox (learning every outcome the old device can no longer
hear) and renumbers what the old device never sent (docs/sync-protocol.md §2).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from datetime import UTC, datetime

from server.accounts.service import issue_device_token
from server.database import utcnow

# Pulled rows carry their id on the change only (docs/sync-protocol.md §7, protocol 2); a
# first sync asks for its jobs first (§7d, protocol 3).
PROTOCOL = 3


class Phone:
    def __init__(self, client, technician, name="phone"):
        self.client, self.technician, self.name = client, technician, name
        self.device_id = None
        self.token = None
        self.devices: list = []  # every device id this phone has been, oldest first
        self.adopt_from = None  # a revoked device whose outbox entries still carry its ids
        self.sign_in()
        self.next_id = 1
        self.queued = 0  # mutations ever queued: each must get exactly one outcome
        self.outbox: list[dict] = []
        self.store: dict[tuple[str, str], dict] = {}
        self.cursor = 0
        # The jobs page's jobs_upto (§7d) while the cursor is below it, else 0.
        self.jobs_upto = 0
        # (device id, mutation id) → result, for every rejection the server told us of.
        self.rejections: dict[tuple[str, int], dict] = {}
        self.applied: set[tuple[str, int]] = set()
        self.resyncs = 0
        self.server_has = 0  # last_mutation_id seen in the latest pull
        self.company: dict = {}  # the company's settings the app needs (its time zone)
        # Orders the server removed from scope that we keep until their work is pushed.
        self.leaving: set[str] = set()

    # -- auth ------------------------------------------------------------------------------
    def sign_in(self):
        from datetime import timedelta

        device, self.token = issue_device_token(self.technician.user, self.name,
                                                timedelta(days=1), self.device_id)
        self.device_id = device.id
        if device.id not in self.devices:
            self.devices.append(device.id)

    def sign_in_as_new_device(self):
        """After ``device_revoked``: a new device id; the outbox keeps the old ids (and the
        counter its old value) until ``adopt`` has asked what became of them."""
        if self.adopt_from is None:
            self.adopt_from = self.device_id
        self.device_id = None
        self.sign_in()

    def adopt(self):
        """Learn the outcome of every entry the revoked device sent; renumber the others."""
        ids = [m["id"] for m in self.outbox]
        response = self.client.post("/api/v1/sync/adopt", headers=self._headers(), json={
            "protocol": PROTOCOL, "device_id": str(self.adopt_from), "ids": ids})
        if self._revoked(response):  # the new device was revoked too: the old ids stand
            self.sign_in_as_new_device()
            return self.adopt()
        if response.status_code != 200:
            return response  # e.g. an expired token: keep everything, try again later
        body = response.get_json()
        self._record(body["results"], self.adopt_from)
        # What the old device never had applied gets this device's next ids, in order.
        next_id = body["next_id"]
        for mutation in self.outbox:
            mutation["id"] = next_id
            next_id += 1
        self.next_id = next_id
        self.adopt_from = None
        return response

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    # -- local edits -------------------------------------------------------------------------
    def queue(self, name: str, args: dict, version: int = None) -> int:
        from sync.mutations import LATEST

        mutation = {"id": self.next_id, "name": name, "version": version or LATEST[name],
                    "args": args, "client_time": utcnow().isoformat()}
        self.outbox.append(mutation)
        self.next_id += 1
        self.queued += 1
        return mutation["id"]

    def now(self) -> str:
        return datetime.now(UTC).isoformat()

    # -- money (docs/signed-content.md, "Quotes"; docs/sync-protocol.md) --------------------------
    def price_list_lines(self, order_id: str, parts: dict[str, int]) -> list[dict]:
        """A quote from the price list as the phone holds it: each part (id → quantity) at
        its catalogue price, the order's labour and its travel."""
        order = self.store[("work_order", order_id)]
        catalogue = self.rows("part")
        lines = [{"kind": "part", "part_id": part_id, "quantity": quantity,
                  "unit_price_cents": catalogue[part_id]["price_cents"]}
                 for part_id, quantity in parts.items()]
        lines.append({"kind": "labour", "part_id": None, "quantity": 1,
                      "unit_price_cents": order["labour_cents"]})
        lines.append({"kind": "travel", "part_id": None, "quantity": 1,
                      "unit_price_cents": order["travel_cents"]})
        return lines

    def quote_content(self, order_id: str, quote_id: str, lines: list[dict],
                      decision: str) -> dict:
        """The quote's signed content built from the rows the phone holds."""
        order = self.store[("work_order", order_id)]
        customer = self.store[("customer", order["customer_id"])]
        address = self.store[("address", order["address_id"])]
        asset = self.store.get(("asset", order["asset_id"])) if order.get("asset_id") else None
        language = "zh" if str(order.get("language") or "").lower().startswith("zh") else "en"
        catalogue = self.rows("part")
        rows = []
        for line in lines:
            part = catalogue[line["part_id"]] if line["kind"] == "part" else None
            rows.append({"kind": line["kind"], "sku": part["sku"] if part else None,
                         "name": part["name_" + language] if part else None,
                         "quantity": line["quantity"],
                         "unit_price_cents": line["unit_price_cents"],
                         "total_cents": line["quantity"] * line["unit_price_cents"]})
        rows.sort(key=lambda row: (row["kind"], row["sku"] or ""))
        where = [address.get(key) for key in ("line1", "line2", "district", "city")]
        return {"v": 1, "kind": "quote", "quote_id": quote_id.lower(),
                "order": {"id": order_id.lower(), "number": order["number"]},
                "language": language,
                "customer": {"name": customer["name"],
                             "address": ", ".join(part for part in where if part)},
                "asset": None if asset is None else {
                    "brand": asset["brand"], "model": asset["model"], "serial": asset["serial"]},
                "lines": rows, "total_cents": sum(row["total_cents"] for row in rows),
                "diagnostic_fee_cents": order["diagnostic_fee_cents"],
                "currency": order["currency"], "decision": decision}

    def decide_quote(self, order_id: str, lines: list[dict], decision: str,
                     signer: str = "Li Wei") -> tuple[str, dict]:
        """The customer approves or declines the quote by signing it: queue
        ``decide_quote`` with the content's hash. Returns (quote id, content)."""
        quote_id = new_id()
        content = self.quote_content(order_id, quote_id, lines, decision)
        self.queue("decide_quote", {
            "order_id": order_id, "quote_id": quote_id, "lines": lines, "decision": decision,
            "diagnostic_fee_cents": content["diagnostic_fee_cents"], "signer_name": signer,
            "image_sha256": sha(b"signature " + quote_id.encode()),
            "content_hash": content_hash(content), "device_time": self.now()})
        return quote_id, content

    # -- the knowledge base (docs/sync-protocol.md, "Knowledge") ------------------------------
    def visible_articles(self, language: str = "en") -> list[dict]:
        """Published articles in the reader's language, falling back to the other one."""
        shown = []
        for row in self.rows("article").values():
            if row.get("published") is False:
                continue
            title, body = row["title"], row["body"]
            if language != row["language"] and row.get("translation_title"):
                title, body = row["translation_title"], row["translation_body"]
            shown.append({**row, "shown_title": title, "shown_body": body})
        return sorted(shown, key=lambda a: a["shown_title"])

    def propose_article(self, order_id: str, title: str, body: str,
                        language: str = "en") -> str:
        proposal_id = new_id()
        self.queue("propose_article", {"proposal_id": proposal_id, "order_id": order_id,
                                       "title": title, "body": body, "language": language,
                                       "device_time": self.now()})
        return proposal_id

    def open_article(self, article_id: str, order_id: str | None = None) -> str:
        use_id = new_id()
        self.queue("open_article", {"use_id": use_id, "article_id": article_id,
                                    "order_id": order_id, "device_time": self.now()})
        return use_id

    def rate_article(self, use_id: str, helpful: bool) -> None:
        self.queue("rate_article", {"use_id": use_id, "helpful": helpful,
                                    "device_time": self.now()})

    # -- network -------------------------------------------------------------------------------
    # -- van stock (docs/sync-protocol.md, "Parts requests and deliveries") ----------------
    def request_part(self, order_id: str, part_id: str, quantity: int,
                     note: str | None = None) -> tuple[int, str]:
        """A part this job needs and the van lacks: (mutation id, request id)."""
        request_id = new_id()
        mutation_id = self.queue("request_part", {
            "order_id": order_id, "request_id": request_id, "part_id": part_id,
            "quantity": quantity, "note": note, "device_time": self.now()})
        return mutation_id, request_id

    def requests_for(self, order_id: str) -> list[dict]:
        return sorted((row for row in self.rows("part_request").values()
                       if row["work_order_id"] == order_id), key=lambda r: r["created_at"])

    def request_state(self, request_id: str) -> tuple[str, str | None]:
        """What the app says of a request: its status, and for ``ordered`` (from a
        supplier) the day the delivery is expected — "ordered from supplier, expected <day>"
        (docs/sync-protocol.md §4c)."""
        row = self.rows("part_request")[request_id]
        return row["status"], row.get("expected_on") if row["status"] == "ordered" else None

    def incoming(self) -> list[dict]:
        """Deliveries sent to this van and not yet confirmed, oldest first."""
        return sorted((dict(row, id=key) for key, row in self.rows("van_delivery").items()
                       if row["status"] == "sent"), key=lambda r: (r["sent_at"], r["id"]))

    def confirm_receipt(self, delivery_id: str, received: int) -> int:
        return self.queue("confirm_receipt", {"delivery_id": delivery_id,
                                              "received_quantity": received,
                                              "device_time": self.now()})

    def van_level(self, part_id: str) -> int:
        return sum(row["quantity"] for row in self.rows("stock_level").values()
                   if row["part_id"] == part_id)

    def push(self, batch_size=100, lose_response=False, recover=True):
        """Send the oldest pending mutations; returns the HTTP response.

        With ``recover``, a ``device_revoked`` answer makes the phone sign in as a new
        device and adopt its outbox (the technician signing in again), then push again.
        """
        if self.adopt_from is not None:
            adopted = self.adopt()
            if adopted.status_code != 200:
                return adopted
        batch = self.outbox[:batch_size]
        response = self.client.post("/api/v1/sync/push", headers=self._headers(),
                                    json={"protocol": PROTOCOL, "mutations": batch})
        if recover and self._revoked(response):
            self.sign_in_as_new_device()
            return self.push(batch_size, lose_response, recover=False)
        if response.status_code == 200 and not lose_response:
            self._acknowledge(response.get_json())
        return response

    @staticmethod
    def _revoked(response) -> bool:
        return response.status_code == 401 and response.get_json()["reason"] == "device_revoked"

    def _acknowledge(self, body):
        """Delete exactly the entries this response gives an outcome for.

        ``last_mutation_id`` may cover ids that were not in this batch (their earlier
        response was lost): those stay queued until a push returns their result.
        """
        self._record(body["results"], self.device_id)

    def _record(self, results, device_id):
        answered = set()
        for result in results:
            answered.add(result["id"])
            mutation = next((m for m in self.outbox if m["id"] == result["id"]), None)
            key = (str(device_id), result["id"])
            if result["status"] == "rejected":
                self.rejections[key] = {**result, "mutation": mutation}
            else:
                self.applied.add(key)
        self.outbox = [m for m in self.outbox if m["id"] not in answered]
        self._drop_leaving_orders()

    def _drop_leaving_orders(self):
        for order_id in list(self.leaving):
            if not self.pending_for(order_id):
                self.drop_order(order_id)

    def push_all(self, batch_size=100):
        while self.outbox:
            response = self.push(batch_size)
            assert response.status_code == 200, response.get_json()
            if response.get_json()["stopped"]:
                raise AssertionError(response.get_json()["stopped"])

    def pull(self, limit=None, jobs_first=True, max_pages=None):
        """Pull every page (or ``max_pages``); apply changes; drop removed orders with
        nothing pending. A first sync (cursor 0) asks for the jobs first unless
        ``jobs_first`` is False (§7d): that page counts as one of the pages returned."""
        pages = 0
        while max_pages is None or pages < max_pages:
            query = {"protocol": PROTOCOL, "cursor": self.cursor}
            if limit:
                query["limit"] = limit
            if self.jobs_upto:
                query["jobs_upto"] = self.jobs_upto
            elif self.cursor == 0 and jobs_first:
                query["jobs_first"] = "true"
            response = self.client.get("/api/v1/sync/pull", headers=self._headers(),
                                       query_string=query)
            if self._revoked(response):
                self.sign_in_as_new_device()
                continue
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            for change in body["changes"]:
                # The row as stored, with its id (as the app keeps it).
                self.store[(change["type"], change["id"])] = {**change["data"],
                                                              "id": change["id"]}
                if change["type"] == "work_order":
                    self.leaving.discard(change["id"])  # back in scope
            for order_id in body["removed"]["work_order"]:
                self.leaving.add(order_id)
            # The pulled state includes mutations up to last_mutation_id, but their outcome
            # (applied or rejected) only comes back from a push: keep them until then.
            self.server_has = body["last_mutation_id"]
            self.company = body["company"]  # on every page: times are written in its zone
            self._drop_leaving_orders()
            self.cursor = body["cursor"]
            if "jobs_upto" in body:
                self.jobs_upto = body["jobs_upto"]  # the scope's rows are held as of it
            elif self.cursor >= self.jobs_upto:
                self.jobs_upto = 0  # the cursor has passed it: nothing more to say
            pages += 1
            if not body["has_more"]:
                if body["scope"]["checksum"] != self.checksum():
                    self.resyncs += 1
                    self.start_over()
                    continue
                return pages
        return pages

    def start_over(self):
        """Forget the replica (keeping orders still leaving, never the outbox) and pull
        from cursor 0 next, asking for the jobs first again (§7 step 5, §7d)."""
        keep = {key: row for key, row in self.store.items()
                if self._order_of(key, row) in self.leaving}
        self.store, self.cursor, self.jobs_upto = keep, 0, 0

    def sync(self):
        self.push_all()
        self.pull()

    # -- local store ------------------------------------------------------------------------------
    def pending_for(self, order_id: str) -> bool:
        return any(m["args"].get("order_id") == order_id for m in self.outbox)

    def drop_order(self, order_id: str):
        """Drop an order with its lines, then what no remaining order refers to."""
        self.leaving.discard(order_id)
        self.store = {key: row for key, row in self.store.items()
                      if self._order_of(key, row) != order_id}
        held = self.orders().values()
        referenced = {("customer", o["customer_id"]) for o in held} | \
            {("address", o["address_id"]) for o in held} | \
            {("asset", o["asset_id"]) for o in held if o.get("asset_id")}
        self.store = {key: row for key, row in self.store.items()
                      if key[0] not in ("customer", "address", "asset") or key in referenced}

    @staticmethod
    def _order_of(key, row):
        return key[1] if key[0] == "work_order" else row.get("work_order_id")

    def orders(self) -> dict[str, dict]:
        return {key[1]: row for key, row in self.store.items() if key[0] == "work_order"}

    def scope_orders(self) -> set[str]:
        """Orders we hold as in scope: not those kept only until their work is pushed."""
        return set(self.orders()) - self.leaving

    def rows(self, kind: str) -> dict[str, dict]:
        return {key[1]: row for key, row in self.store.items() if key[0] == kind}

    # -- the symptom catalogue (docs/sync-protocol.md §7b) -----------------------------------------
    def symptom_label(self, code: str, language: str) -> str | None:
        """How the app names a symptom: the pulled catalogue's label in the reader's language
        (None: not in the catalogue; the app then has nothing better than its own words)."""
        row = self.rows("symptom").get(code)
        return row[f"label_{language}"] if row else None

    def answer_words(self, code: str, key: str, answer: str,
                     language: str) -> tuple[str, str] | None:
        """(question, answer) as the app shows an order's intake answer when an admin rewrote
        the symptom's questions: a withdrawn question or answer keeps its words; a free-text
        answer is shown as typed. None: the app's built-in words apply."""
        row = self.rows("symptom").get(code)
        questions = row and row["questions"]
        question = next((q for q in questions or () if q["key"] == key), None)
        if question is None:
            return None
        choice = next((c for c in question["choices"] if c["key"] == answer), None)
        return (question[f"label_{language}"],
                choice[f"label_{language}"] if choice else answer)

    def rejection(self, mutation_id: int) -> dict | None:
        """What the server said when it rejected one of our mutations (None: not rejected)."""
        return self.rejections.get((str(self.device_id), mutation_id))

    # -- checklists (docs/sync-protocol.md, fill_checklist_item) ---------------------------------
    def fill_checklist_item(self, order_id: str, template: dict, key: str, value: str,
                            answer_id: str | None = None) -> int:
        """Answer one item against the template version we hold; one line per answer."""
        return self.queue("fill_checklist_item", {
            "order_id": order_id, "answer_id": answer_id or new_id(),
            "template_id": template["id"], "template_version": template["version"],
            "item_key": key, "value": value, "device_time": self.now()})

    def checklists_for(self, order_id: str) -> list[dict]:
        """Active templates for the order's job type, product category and model."""
        order = self.orders()[order_id]
        asset = self.store.get(("asset", order.get("asset_id") or ""))
        return [t for t in self.rows("checklist_template").values() if t["active"]
                and (not t["job_types"] or order["type"] in t["job_types"])
                and (not t["category"] or (asset and asset["category"] == t["category"]))
                and (not t["models"] or (asset and asset["model"] in t["models"]))]

    def checklist_missing(self, order_id: str) -> list[str]:
        """Keys of required items not yet answered (pulled answers and our pending ones; a
        tick counts only as "yes"): what the phone shows before the technician completes."""
        answers = {}
        pulled = [(a["device_time"] or a["created_at"], a["id"], a)
                  for a in self.rows("checklist_answer").values()
                  if a["work_order_id"] == order_id]
        pending = [(m["args"]["device_time"], m["args"]["answer_id"],
                    {"template_id": m["args"]["template_id"], "item_key": m["args"]["item_key"],
                     "value": m["args"]["value"]})
                   for m in self.outbox if m["name"] == "fill_checklist_item"
                   and m["args"]["order_id"] == order_id]
        for when, line_id, answer in sorted(pulled + pending, key=lambda x: (
                datetime.fromisoformat(x[0]), x[1])):
            answers[(answer["template_id"], answer["item_key"])] = answer["value"]
        return [item["key"] for t in self.checklists_for(order_id) if t["blocks_completion"]
                for item in t["items"] if item["required"] and not _answered(
                    item, answers.get((t["id"], item["key"])))]

    def checksum(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.scope_orders())).encode()).hexdigest()


def _answered(item: dict, value: str | None) -> bool:
    return bool(value and value.strip()) and (item["kind"] != "tick" or value == "yes")


def new_id() -> str:
    return str(uuid.uuid4())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return value


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical form (docs/signed-content.md), written here independently."""
    text = json.dumps(_nfc(content), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return sha(text.encode("utf-8"))
