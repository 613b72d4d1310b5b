"""Hosting of the technician app (the static files in ``pwa/``) under ``/app/``."""
