"""Dispatch: the board, assignment and its suggestions, SLA escalation."""
