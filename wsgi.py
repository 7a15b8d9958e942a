"""The WSGI entry point for production servers: `gunicorn 'wsgi:app'`."""

from reform import create_app

app = create_app()
