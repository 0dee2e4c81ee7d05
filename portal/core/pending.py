"""An upload kept while its form comes back with errors: the file is stored once, and the page
carries a signed token naming it in a hidden field, so the user does not choose it again.

The token is signed with the app's secret (nobody can make one name another's file) and expires
after a day. A file whose form is abandoned stays in its folder until the uploads are pruned.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core.uploads import StoredFile, uploads_root

SALT = "pending-upload"
MAX_AGE = 24 * 3600


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def token_for(stored: StoredFile) -> str:
    """The hidden field's value naming ``stored``."""
    return _signer().dumps([stored.path, stored.name, stored.content_type])


def kept(token: str | None, folder: str) -> StoredFile | None:
    """The file a token from this app names, if it is still there in ``folder``; else None."""
    if not token:
        return None
    try:
        path, name, content_type = _signer().loads(token, max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if not path.startswith(f"{folder}/") or not (uploads_root() / path).is_file():
        return None
    return StoredFile(path=path, name=name, content_type=content_type)
