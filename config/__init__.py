"""Project configuration. The Celery app is loaded with Django, so tasks bind to it (docs/tasks.md)."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
