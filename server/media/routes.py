"""Blob upload and download over the API."""

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import NotFound
from ..extensions import db
from ..sync_api.schemas import BlobOut
from .blobs import receive_blob
from .models import Blob
from .storage import storage

blp = Blueprint("blobs", __name__, url_prefix="/api/v1/blobs",
                description="Content-addressed bytes: photos and signature images.")


@blp.route("/<string:sha256>")
class BlobItem(MethodView):
    @blp.response(201, BlobOut)
    @blp.alt_response(200, schema=BlobOut, description="Already stored")
    @api_roles("technician", "admin", "dispatcher")
    def put(self, sha256: str):
        """Upload bytes under their SHA-256. Idempotent; a mismatch is refused."""
        blob, created = receive_blob(
            sha256, request.stream, request.mimetype or "application/octet-stream",
            current_app.config["MAX_BLOB_BYTES"])
        body = {"sha256": blob.sha256, "size": blob.size, "content_type": blob.content_type,
                "created": created}
        return body, 201 if created else 200

    @blp.response(200)
    @api_roles("admin", "dispatcher")
    def get(self, sha256: str):
        """The stored bytes (office staff)."""
        blob = db.session.get(Blob, sha256)
        if blob is None:
            raise NotFound("No such blob.")
        return send_file(storage().open(blob.storage_key), mimetype=blob.content_type,
                         max_age=31536000, etag=sha256)
