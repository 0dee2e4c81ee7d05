"""Security headers on every response; pages run under a strict Content-Security-Policy.

No inline script, no inline style, no event-handler attributes: scripts live in static/js and
styles in static/css (htmx's own indicator <style> is switched off by the htmx-config meta tag
in base.html). Computed sizes in charts are SVG attributes, which are not CSS.
"""

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# The old-parts receiving page scans QR codes with the camera (static/js/scan.js). hx-boost
# reaches it without loading a new document, so the policy of whichever page the user
# entered by must already allow the camera: it is allowed to this origin on every page.
PERMISSIONS_POLICY = ", ".join([
    "camera=(self)", "microphone=()", "geolocation=()", "payment=()", "usb=()",
    "serial=()", "midi=()", "magnetometer=()", "gyroscope=()",
    "accelerometer=()", "display-capture=()",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
HSTS = "max-age=31536000; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    production = app.config["PORTAL_ENV"] == "production"

    defaults = [(name.lower(), name, value) for name, value in HEADERS.items()]
    if production:
        defaults.append(("strict-transport-security", "Strict-Transport-Security", HSTS))

    @app.after_request
    def add_security_headers(response):
        # The names already set, read once: werkzeug's setdefault scans every header each time.
        headers = response.headers
        present = {name.lower() for name, _value in headers}  # (name, value) pairs
        for key, name, value in defaults:
            if key not in present:  # a response that set its own keeps it
                headers.add(name, value)
        if request.endpoint != "static":
            # Pages, JSON, PDFs and workbooks carry one user's (one dealer's) data: shared
            # computers and proxies must not keep them. Only the static files are cacheable.
            if "cache-control" in present:
                headers["Cache-Control"] = "no-store"
            else:
                headers.add("Cache-Control", "no-store")
            if "expires" in present:
                headers.pop("Expires", None)
        return response
