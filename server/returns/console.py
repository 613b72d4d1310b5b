from flask import Blueprint
bp = Blueprint("returns_console", __name__, template_folder="templates")
