"""The console's one blueprint. Its views live in several modules (orders, intake, board,
customers, sync issues, notifications), each registering on ``bp``; ``routes`` imports
them all, and the application registers ``routes.bp``.
"""

from flask import Blueprint

bp = Blueprint("console", __name__, template_folder="../templates")
OFFICE = ("admin", "dispatcher")
