"""The WSGI entry for a production server: `gunicorn -w 2 reviewapp.wsgi:app`."""

from reviewapp.app import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()
