"""Messages to customers: one outbox, delivered by the task queue over e-mail and SMS.

``models`` holds the outbox, ``hooks`` turns order events into queued messages,
``service`` claims and delivers them, ``channels`` talks to SMTP and the SMS gateway,
``content`` renders a message in the customer's language.
"""
