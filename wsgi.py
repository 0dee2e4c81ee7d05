"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

import gc

from portal import create_app
from portal.core.gc_freeze import FreezeAfterWarming

app = create_app()
app.wsgi_app = FreezeAfterWarming(app.wsgi_app)  # and what it builds while serving its first pages

# Everything made while starting (modules, the URL map, translations, templates' code) lives as
# long as the process. Freezing it keeps the collector's full passes from walking those
# ~200,000 objects again and again: an unfrozen full pass took 85 ms, a request's p99 spike.
gc.collect()
gc.freeze()
