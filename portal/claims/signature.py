"""The customer's signature confirming the work: drawn on the pad, or a scan of the signed paper."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from portal.core.errors import DomainError
from portal.core.uploads import DOCUMENT_TYPES, StoredFile, store, store_data_url, with_limit


class SignatureForm(FlaskForm):
    """Rendered by signature_form() in templates/claims/_signature.html."""

    drawn = HiddenField()  # a PNG data URL, filled by static/js/signature.js
    scan = FileField(with_limit(_l("Or a photo or scan of the signed paper record "
                                   "(JPEG, PNG or PDF, up to %(mb)d MB)")))


def receive_signature(form: SignatureForm, *, folder: str = "claims") -> tuple[StoredFile, bool]:
    """Store what the customer signed: (the stored file, True when it was drawn on screen).

    No signature, no submission: with neither a drawing nor a scan this refuses.
    """
    drawn = (form.drawn.data or "").strip()
    scan = form.scan.data if form.scan.data and form.scan.data.filename else None
    if drawn and scan:
        raise DomainError(_("Either sign on the pad or attach a scan, not both."), field="scan")
    if drawn:
        return store_data_url(drawn, folder=folder, field="drawn"), True
    if scan:
        return store(scan, folder=folder, allowed=DOCUMENT_TYPES, field="scan"), False
    raise DomainError(_("The customer's signature is missing: sign on the pad, or attach a "
                        "scan of the signed paper record."), field="drawn")
