"""Files the emulation pages hand out: an attachment with a name every browser can save."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ascii_name(text: str) -> str:
    """Letters without diacritics, digits, dots and dashes: safe for any browser."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", plain).strip("-.") or "file"


def attachment(body: bytes, mimetype: str, name: str, ext: str) -> Response:
    """An attachment with an ASCII file name and the full name for browsers that read it."""
    disposition = (
        f'attachment; filename="{ascii_name(name)}{ext}"; '
        f"filename*=UTF-8''{quote(name + ext, safe='')}"
    )
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})
