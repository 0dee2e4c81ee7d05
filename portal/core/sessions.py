"""Flask's signed-cookie sessions, with the signing serializer built once per key.

Flask builds a new serializer to open the session cookie and another to save it on every
request; building one serializes a probe value to learn the serializer's kind. The serializer
keeps no state between uses, so one per (key, fallback keys) serves every request.

A static file (the favicon, a script, the stylesheet) never sets the cookie: the browser fetches
some of them on its own time (the favicon after the page has loaded), and such a late answer
must not bring back a session the browser has just dropped, nor stretch it.
"""

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers[key] = serializer
        return serializer

    def should_set_cookie(self, app, session) -> bool:
        if request.endpoint == "static":
            return False
        return super().should_set_cookie(app, session)
