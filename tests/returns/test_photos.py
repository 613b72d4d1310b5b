"""A return's photos live in the shared blob store: cleaning up the knowledge base's
unused images never takes a return photo's bytes."""

from __future__ import annotations

import io
from datetime import timedelta

from server.extensions import db
from server.knowledge.images import add_image, prune_images
from server.media.models import Blob
from server.returns import service
from tests.returns.conftest import receipt_png


def test_a_return_photo_keeps_its_bytes_when_the_same_image_is_pruned_from_the_knowledge_base(
        admin, bought):
    data = receipt_png((5, 99, 7))
    image = add_image(admin, io.BytesIO(data), 10_000_000)
    asset = bought(1)
    request = service.create(admin, asset_id=asset.id, reason="arrived_damaged",
                             wish="exchange", purchase_date=asset.purchase_date,
                             proof=io.BytesIO(data))
    assert request.photos[0].sha256 == image.sha256
    result = prune_images(delete=True, grace=timedelta(0),
                          now=service.utcnow() + timedelta(days=2))
    assert result.unused == [image.sha256] and result.bytes_kept == [image.sha256]
    assert db.session.get(Blob, image.sha256) is not None
