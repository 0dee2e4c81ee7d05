"""Translations looked up once per request instead of once per string.

Flask-Babel finds the locale and its catalogue in its cache again for every string it
translates, and Jinja's ``_()`` adds a second dispatch on top; a page translates a hundred
strings or more (the benchmark's pages gained a few ms). Here the catalogue is kept on ``g``
beside the locale object it was loaded for, read through Flask-Babel's public ``get_locale``:
``force_locale`` (PDFs in the default language) and ``refresh()`` put another locale object
there, so the catalogue is loaded again for them.
"""

from babel import Locale, support
from flask import g
from flask_babel import Babel, Domain, get_domain, get_locale
from htmx_flask.requests import HtmxAwareRequest
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path

_LOCALES: dict[str, Locale] = {}


def parsed_locale(name: str) -> Locale:
    """The Locale for a name, parsed once (Babel's parse scans every known locale name)."""
    locale = _LOCALES.get(name)
    if locale is None:
        locale = _LOCALES[name] = Locale.parse(name)
    return locale


def _per_request(load):
    """``load()``'s catalogue, kept for the rest of the request while its locale stays."""
    locale = get_locale()
    if locale is None:  # outside a request
        return load()
    cached = g.get("portal_translations")
    if cached is not None and cached[0] is locale:
        return cached[1]
    found = load()
    g.portal_translations = (locale, found)
    return found


class RequestDomain(Domain):
    """The default message domain, remembering this request's catalogue."""

    def get_translations(self):
        return _per_request(super().get_translations)


class PortalBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)


def translations():
    """The current catalogue (a null one outside a request)."""
    return get_domain().get_translations()


@pass_context
def template_gettext(context, string, **variables):
    """Jinja's newstyle ``_()`` in one call: translate, mark safe when autoescaping, format."""
    rv = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def init_app(app) -> None:
    app.jinja_env.globals["_"] = template_gettext
    app.request_class = Request


_WTFORMS_CATALOGUES: dict[str, support.Translations] = {}


def wtforms_catalogue():
    """WTForms' own messages in the current locale, read from disk once per process."""
    locale = get_locale()
    key = str(locale)
    catalogue = _WTFORMS_CATALOGUES.get(key)
    if catalogue is None:
        catalogue = _WTFORMS_CATALOGUES[key] = support.Translations.load(
            messages_path(), [locale], domain="wtforms")
    return catalogue


class Request(HtmxAwareRequest):
    """The request, answering Flask-WTF's per-request catalogue from a per-process one.

    Flask-WTF reads WTForms' .mo file again in every request that builds a form (most pages
    hold one), unless ``request.wtforms_translations`` is already there.
    """

    @property
    def wtforms_translations(self):
        return wtforms_catalogue()
