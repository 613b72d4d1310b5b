"""In-console notifications: what the system tells an office user (SLA escalations)."""
