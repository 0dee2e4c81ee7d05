"""The portal's own floor: what any page costs before it reads or shows anything.

The portal exactly as ``wsgi`` serves it (same factory, same hooks, frozen start-up objects) plus
two routes that exist only here, measured beside the bare Flask route by ``benchmarks/run.py``:

- ``/_bench/text``: a plain text answer, not signed in. The portal's request plumbing alone:
  request id, the NUL check, the JSON access line, the security headers.
- ``/_bench/empty``: signed in, an empty page in the base layout. Everything a page must do
  before its own content: the session cookie opened and re-signed, the user's row, the forced
  password change check, the menu, the CSRF token in the layout.

The difference between these rows and a page is the page's own work; the difference between them
and ``benchmarks.hello`` is what the portal's framework and security cost on every request.
"""

from flask import Flask, render_template
from flask_login import login_required


def add_floor_routes(app: Flask) -> None:
    empty_page = app.jinja_env.from_string(
        '{% extends "base.html" %}{% block content %}<h1>—</h1>{% endblock %}')

    @app.get("/_bench/text")
    def bench_text():
        return "Hello, world!"

    @app.get("/_bench/empty")
    @login_required
    def bench_empty():
        return render_template(empty_page)


def serve() -> Flask:
    """``gunicorn 'benchmarks.floor:serve()'``: the application of ``wsgi.py`` with the two
    routes."""
    from wsgi import app

    add_floor_routes(app)
    return app
