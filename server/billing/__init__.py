"""Money on site: the quote a customer approves or declines before out-of-warranty work,
and the payments the technician records (docs/sync-protocol.md, "Quotes and payments")."""
