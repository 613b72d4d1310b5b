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
import uuid
from datetime import UTC, datetime

from server.accounts.service import issue_device_token
from server.database import utcnow

PROTOCOL = 2  # pulled rows carry their id on the change only (docs/sync-protocol.md §7)


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
        # (device id, mutation id) → result, for every rejection the server told us of.
        self.rejections: dict[tuple[str, int], dict] = {}
        self.applied: set[tuple[str, int]] = set()
        self.resyncs = 0
        self.server_has = 0  # last_mutation_id seen in the latest pull
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

    # -- network -------------------------------------------------------------------------------
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

    def pull(self, limit=None):
        """Pull every page; apply changes; drop removed orders with nothing pending."""
        pages = 0
        while True:
            query = {"protocol": PROTOCOL, "cursor": self.cursor}
            if limit:
                query["limit"] = limit
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
            self._drop_leaving_orders()
            self.cursor = body["cursor"]
            pages += 1
            if not body["has_more"]:
                if body["scope"]["checksum"] != self.checksum():
                    self.resyncs += 1
                    keep = {key: row for key, row in self.store.items()
                            if self._order_of(key, row) in self.leaving}
                    self.store, self.cursor = keep, 0
                    continue
                return pages

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

    def checksum(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.scope_orders())).encode()).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
