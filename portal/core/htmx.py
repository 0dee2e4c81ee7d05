"""One place that decides between an htmx fragment and a full page."""

from flask import make_response, render_template, request


def wants_fragment() -> bool:
    """True for a plain htmx request: not boosted navigation, not a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(template: str, fragment: str | None = None, status: int = 200, **context):
    """Render ``fragment`` for htmx requests and ``template`` (which includes it) otherwise."""
    name = fragment if fragment and wants_fragment() else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    return response


def render_form(template: str, form, fragment: str | None = None, **context):
    """Re-render a form; 422 when it holds errors (htmx is configured to swap 422)."""
    status = 422 if form.errors else 200
    return render(template, fragment, status=status, form=form, **context)
