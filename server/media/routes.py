"""Blob upload and download over the API."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..sync_api.schemas import BlobOut
from .blobs import receive_blob, rendition_key
from .models import Blob
from .schemas import RenditionQuery
from .storage import download, storage

blp = Blueprint("blobs", __name__, url_prefix="/api/v1/blobs",
                description="Content-addressed bytes: photos and signature images.")


@blp.route("/<string:sha256>")
class BlobItem(MethodView):
    @blp.response(201, BlobOut)
    @blp.alt_response(200, schema=BlobOut, description="Already stored")
    @api_roles("technician", "admin", "dispatcher")
    def put(self, sha256: str):
        """Upload bytes under their SHA-256. Idempotent; a mismatch is refused.

        Images (sent as ``image/jpeg``, ``image/png`` or ``image/webp``) are checked; a bad
        one is refused with a reason naming the problem, and its photos are marked failed.
        """
        try:
            blob, created = receive_blob(
                sha256, request.stream, request.mimetype or "application/octet-stream",
                current_app.config["MAX_BLOB_BYTES"])
        except ServiceError as refused:
            if getattr(refused, "recorded", False):
                # The request fails, but the refusal and the failed photos must be kept:
                # they are how the work order shows why its photo is missing.
                db.session.commit()
            raise
        body = {"sha256": blob.sha256, "size": blob.size, "content_type": blob.content_type,
                "created": created}
        return body, 201 if created else 200

    @blp.arguments(RenditionQuery, location="query")
    @blp.response(200)
    @api_roles("admin", "dispatcher")
    def get(self, args, sha256: str):
        """The stored bytes (office staff), or an image's ``display``, ``print`` or ``thumb``
        rendition.

        An image whose original was not kept (KEEP_PHOTO_ORIGINALS unset) is served as its
        display rendition.
        """
        blob = db.session.get(Blob, sha256)
        if blob is None:
            raise NotFound("No such blob.")
        rendition = args.get("rendition")
        if rendition is None and not blob.original_kept:
            rendition = "display"
        if rendition is not None:
            if blob.image_format is None:
                raise NotFound("These bytes are not an image: they have no renditions.")
            key = rendition_key(blob, rendition)
            if not storage().exists(key):
                raise NotFound(f"This image has no {rendition} rendition.")
            mimetype = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
            return download(key, mimetype=mimetype, max_age=31536000,
                            etag=f"{sha256}.{rendition}")
        return download(blob.storage_key, mimetype=blob.content_type, max_age=31536000,
                        etag=sha256)
