"""Operations on a whole installation, run from the command line (``flask blobs …``,
``flask db copy-to``): moving blobs between stores, checking them, moving the database."""
