"""Query arguments of the blob endpoints (the upload's answer is sync_api.schemas.BlobOut)."""

from marshmallow import fields, validate

from ..schemas import InSchema


class RenditionQuery(InSchema):
    rendition = fields.String(validate=validate.OneOf(["display", "print", "thumb"]),
                              metadata={"description": "an image's rendition instead of its "
                                                       "original bytes"})
