"""The bare Flask "hello" route the portal's pages are measured against.

Served by the same gunicorn command as the portal (``gunicorn benchmarks.hello:app``), so the
difference between the two is what the portal itself costs per request.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello():
    return "Hello, world!"
