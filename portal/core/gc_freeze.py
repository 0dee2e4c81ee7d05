"""Keep the garbage collector's full passes short in a long-running web worker.

A full pass walks every object the collector tracks that is not frozen. What a worker builds while
starting is frozen by ``wsgi.py``; what it builds while serving and then keeps (SQLAlchemy's
compiled statements, templates, modules imported on first use: about 110,000 objects once the
benchmark's pages had been served) was not, and every full pass walked it again: 55–95 ms, about
once every 35 requests, which made the p99 of every page (measured in one process on the
benchmark's data, 2026-12-07). Frozen, the same passes cost 1–5 ms.

``FreezeAfterWarming`` wraps the WSGI app. When the collector has made a full pass (a callback
notes it), the worker collects and freezes what is left once the current response has been
sent: between requests, when what is alive is what the worker keeps, not a request's objects.
So each full pass only walks what was built since the last one. What frozen objects later leave
as cyclic garbage is not reclaimed; gunicorn's ``--max-requests`` (docs/deployment.md) bounds it.
"""

import gc

from werkzeug.wsgi import ClosingIterator


class FreezeAfterWarming:
    """WSGI middleware: after a response, if the collector made a full pass since the last
    freeze, collect and freeze (``freeze_now``)."""

    def __init__(self, app):
        self.app, self.full_pass_seen = app, False
        gc.callbacks.append(self._noted)

    def _noted(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            self.full_pass_seen = True

    def freeze_now(self) -> None:
        self.full_pass_seen = False
        gc.collect()
        self.full_pass_seen = False  # the pass just made
        gc.freeze()

    def __call__(self, environ, start_response):
        answer = self.app(environ, start_response)
        if not self.full_pass_seen:
            return answer
        return ClosingIterator(answer, self.freeze_now)
