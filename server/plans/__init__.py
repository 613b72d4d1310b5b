"""Maintenance plans and periodic contact: follow-up calls or maintenance visits generated
ahead of their date, per customer or per appliance."""
