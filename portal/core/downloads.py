"""The one way a page hands over a document it built: PDF or Excel bytes, named for saving."""

import io
from pathlib import PurePath

from flask import send_file

TYPES = {".pdf": "application/pdf",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(data: bytes, name: str, *, attachment: bool = True):
    """Answer with ``data`` as the file ``name``, its type read from the name's suffix: saved
    (``attachment``) or, for a document read and printed first, shown in the browser."""
    return send_file(io.BytesIO(data), mimetype=TYPES[PurePath(name).suffix],
                     as_attachment=attachment, download_name=name)
