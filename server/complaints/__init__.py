"""Complaints (投诉处理): first-contact ownership, deadlines on the working calendar,
green/yellow/red grading, escalation through the SLA sweep, steps, close rules."""
