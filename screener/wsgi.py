"""WSGI entry point: ``gunicorn screener.wsgi:app``."""

from screener import create_app

app = create_app()
