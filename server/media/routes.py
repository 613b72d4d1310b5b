"""Blob upload and download over the API."""

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..sync_api.schemas import BlobOut
from .blobs import readable, receive_blob, rendition_key
from .images import ALLOWED
from .schemas import RenditionQuery
from .storage import download, storage

blp = Blueprint("blobs", __name__, url_prefix="/api/v1/blobs",
                description="Content-addressed bytes: photos and signature images.")


@blp.route("/<string:sha256>")
class BlobItem(MethodView):
    @blp.response(200, BlobOut)
    @api_roles("technician", "admin", "dispatcher")
    def put(self, sha256: str):
        """Upload bytes under their SHA-256, after the mutation that references them.

        Accepted only when a photo or signature on one of the caller's orders references the
        hash (409 ``not_referenced`` otherwise, whether or not the bytes exist). The body is
        always hashed in full and checked as an image (JPEG, PNG or WebP); a bad one is
        refused with a reason naming the problem, and the caller's photos are marked failed.
        The answer is the same for the first upload and a repeat.
        """
        try:
            blob = receive_blob(
                sha256, request.stream, request.mimetype or "application/octet-stream",
                current_app.config["MAX_BLOB_BYTES"], g.actor)
        except ServiceError as refused:
            if getattr(refused, "recorded", False):
                # The request fails, but the refusal and the failed photos must be kept:
                # they are how the work order shows why its photo is missing.
                db.session.commit()
            raise
        return {"sha256": blob.sha256, "size": blob.size, "content_type": blob.content_type}

    @blp.arguments(RenditionQuery, location="query")
    @blp.response(200)
    @api_roles("admin", "dispatcher")
    def get(self, args, sha256: str):
        """The bytes of a photo or signature image (office staff), or an image's
        ``display``, ``print`` or ``thumb`` rendition.

        Only bytes uploaded for an order are served (404 otherwise). An image whose
        original was not kept (KEEP_PHOTO_ORIGINALS unset) is served as its display
        rendition. Bytes are served with the type the server found, never the uploader's.
        """
        blob = readable(sha256)
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
        if blob.image_format is None:
            # Bytes stored before images were checked on arrival: a download, never a page.
            return download(blob.storage_key, mimetype="application/octet-stream",
                            as_attachment=True, download_name=sha256, max_age=31536000,
                            etag=sha256)
        return download(blob.storage_key, mimetype=ALLOWED[blob.image_format],
                        max_age=31536000, etag=sha256)
