"""Translations looked up once per request instead of once per string.

Flask-Babel finds ``g``, its namespace on it, the locale and its catalogue cache again for every
string it translates (about 15 µs), and Jinja's ``_()`` adds a second dispatch on top; a page
translates a hundred strings or more. Here the catalogue is kept on Flask-Babel's own request
namespace beside the locale it was loaded for, so ``force_locale`` (which swaps that locale, for
PDFs in the default language) still gets its own catalogue, and ``refresh()`` is respected.
"""

from babel import Locale, support
from flask import g
from flask_babel import Babel, Domain, get_domain, get_locale
from flask_babel import gettext as babel_gettext
from flask_babel.speaklater import LazyString
from htmx_flask.requests import HtmxAwareRequest
from jinja2 import pass_eval_context
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


# The one place the portal reads a library's private state, because the benchmark needs it:
# through Flask-Babel's public get_domain()/get_locale() a string costs about 56 µs, 0.28 ms on
# the signed-in empty page (its five strings): 1,125 → 857 requests/s at scale 0.25 on SQLite,
# below every page's floor (issue 17's before/after run). Flask-Babel keeps the request's locale
# and domain in ``g._flask_babel``; tests/test_i18n.py fails if it stops keeping them there.
def _namespace():
    """Flask-Babel's per-request namespace, or None outside an application context."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:
        return None


class RequestDomain(Domain):
    """The default message domain, remembering this request's catalogue."""

    def get_translations(self):
        namespace = _namespace()
        if namespace is not None:
            cached = getattr(namespace, "portal_translations", None)
            if cached is not None and cached[0] is getattr(namespace, "babel_locale", None):
                return cached[1]
        translations = super().get_translations()
        namespace = _namespace()  # Flask-Babel made one if the request had none yet
        locale = getattr(namespace, "babel_locale", None)
        if locale is not None:
            namespace.portal_translations = (locale, translations)
        return translations


class PortalBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)


def translations():
    """The current catalogue (a null one outside a request)."""
    domain = getattr(_namespace(), "babel_domain", None)
    return (domain or get_domain()).get_translations()


def lazy_msgid(text) -> str | None:
    """The message of a ``lazy_gettext`` string without variables (``_l("Open")``), else None.

    Such a string finds its catalogue through Flask-Babel's ``gettext`` each time it is shown
    (about 3 µs, eight calls); a list shows a status title per row. Who holds the message can
    translate it through ``translations()`` instead. Flask-Babel's LazyString keeps its function
    and arguments in private attributes; tests/test_fixed_costs.py fails if it stops keeping
    them so.
    """
    if (isinstance(text, LazyString) and getattr(text, "_func", None) is babel_gettext
            and len(getattr(text, "_args", ())) == 1 and not getattr(text, "_kwargs", None)
            and isinstance(text._args[0], str)):
        return text._args[0]
    return None


@pass_eval_context  # not the whole context: Jinja derives a new one per call in a loop or block
def template_gettext(eval_ctx, string, **variables):
    """Jinja's newstyle ``_()`` in one call: translate, mark safe when autoescaping, format."""
    rv = translations().ugettext(string)
    if eval_ctx.autoescape:
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
