"""The customer's page for their order, ``/c/<token>``: no account, a signed revocable link."""
