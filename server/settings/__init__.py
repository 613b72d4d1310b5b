"""Company settings kept as data and edited under ``/admin``: the company's name, address,
phone, time zone, language and currency, the working calendar (and one per region), the
SLA policy and the symptom catalogue's changes. What is not stored reads from the
configuration (``server/config.py``), so a fresh database behaves as before."""
