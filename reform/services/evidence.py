"""Evidence files (tài liệu kiểm chứng): checking, storing once by content, attaching, removing."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage
from werkzeug.security import safe_join

from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import Criterion, Evidence, StoredFile, Submission, User
from reform.services.assessment import evidence_permission, refresh_totals
from reform.services.audit import record
from reform.services.locking import lock_submission

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = (PDF, PNG, JPEG, DOCX, XLSX)
# The extensions a name may end in for each type; the first is the one we suggest.
EXTENSIONS = {
    PDF: ("pdf",),
    PNG: ("png",),
    JPEG: ("jpg", "jpeg"),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
}
TYPE_LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "Word (.docx)", XLSX: "Excel (.xlsx)"}
# Browsers may show these inline; Office files are only ever downloaded.
PREVIEWABLE = frozenset({PDF, PNG, JPEG})
# The `accept` attribute of the file input: types for phones' pickers, extensions for desktops'.
ACCEPT = ",".join(ALLOWED_TYPES) + ",.pdf,.png,.jpg,.jpeg,.docx,.xlsx"
# One request may carry several files; beyond this it is more likely a mistake than a need.
MAX_FILES_PER_UPLOAD = 20

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
CONTENT_TYPES = "[content_types].xml"
# [Content_Types].xml of a real document is a few kB; a larger claim (or a larger result when
# inflating) is treated as a zip bomb rather than read.
MAX_CONTENT_TYPES_BYTES = 256 * 1024
# The main part's content type tells a document from its macro-enabled or template cousins
# (.docm, .xlsm, .dotx), which carry the same part names but must not pass as .docx/.xlsx.
OOXML_KINDS = (
    (DOCX, "word/document.xml", b"wordprocessingml.document.main+xml"),
    (XLSX, "xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
)
FALLBACK_NAME = "tep"
MAX_NAME_LENGTH = 255
MB = 1024 * 1024


class EvidenceRefused(ValueError):
    """A file that cannot be accepted as evidence; the message says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- judging a file ----------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The allowed MIME type that the content (never the name) shows, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(ZIP_SIGNATURE):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    """DOCX or XLSX from the zip's names and content types; nothing else is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename.lower(): info for info in archive.infolist()}
            info = infos.get(CONTENT_TYPES)
            if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
                return None
            with archive.open(info) as member:
                # The declared size may lie: never inflate more than the limit.
                content_types = member.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
    ):
        return None  # damaged, encrypted or using an unknown compression: not a document
    if len(content_types) > MAX_CONTENT_TYPES_BYTES:
        return None
    for mime, main_part, main_type in OOXML_KINDS:
        if main_part in infos and main_type in content_types:
            return mime
    return None


def safe_filename(name: str) -> str:
    """The user's file name fit for display: no path, no control characters, NFC, never empty."""
    name = unicodedata.normalize("NFC", name or "")
    # Both separators: a Windows browser may send "C:\\Users\\...\\x.pdf" as the name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: NUL, newlines; Cf: bidi overrides that show "a\u202egpj.exe" as "aexe.jpg"; Z[lp]: breaks.
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"})
    name = " ".join(name.split())
    # Leading dots would hide the file or spell "..", trailing ones hide the extension.
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(" .")
    return name or FALLBACK_NAME


def extension_of(name: str) -> str:
    """The lower-case extension of a name, without the dot ("" when there is none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def size_in_mb(size: int) -> str:
    """A byte count in megabytes with the locale's decimal mark (whole when it is whole)."""
    return fmt_number(Decimal(size) / MB, 0 if size % MB == 0 else 1)


def check(data: bytes, *, filename: str, max_bytes: int) -> str:
    """The file's MIME type if it is acceptable evidence; EvidenceRefused otherwise."""
    name = safe_filename(filename)
    if not data:
        raise EvidenceRefused(_("“%(name)s” is empty.", name=name))
    if len(data) > max_bytes:
        raise EvidenceRefused(
            _("“%(name)s” is larger than %(limit)s MB.", name=name, limit=size_in_mb(max_bytes))
        )
    mime = sniff(data)
    if mime is None:
        raise EvidenceRefused(
            _(
                "“%(name)s” is not a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file.",
                name=name,
            )
        )
    if extension_of(name) not in EXTENSIONS[mime]:
        # A renamed file: its content and its name disagree, so neither can be trusted.
        raise EvidenceRefused(
            _(
                "“%(name)s” is really a %(kind)s file but its name does not end in .%(ext)s. "
                "Upload the original file with its real name.",
                name=name,
                kind=TYPE_LABELS[mime],
                ext=EXTENSIONS[mime][0],
            )
        )
    return mime


# ---- storing content ---------------------------------------------------------------------


def upload_folder() -> str:
    """Where file content lives (config UPLOAD_FOLDER, resolved by the factory)."""
    return current_app.config["UPLOAD_FOLDER"]


def store(data: bytes, *, filename: str, max_bytes: int) -> StoredFile:
    """Check the file and keep its content once, under its SHA-256; the same bytes reuse a row."""
    mime = check(data, filename=filename, max_bytes=max_bytes)
    return _store_checked(data, mime)


def _store_checked(data: bytes, mime: str, sha: str | None = None) -> StoredFile:
    sha = sha or hashlib.sha256(data).hexdigest()
    # The name on disk comes from the content alone, never from what the user called it.
    storage_name = f"{sha[:2]}/{sha}"
    path = os.path.join(upload_folder(), sha[:2], sha)
    if not os.path.isfile(path):
        _write_atomically(path, data)
    found = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if found is not None:
        return found
    # Two people may send the same file at the same moment: let the unique hash decide.
    values = {"sha256": sha, "size": len(data), "mime_type": mime, "storage_name": storage_name}
    db.session.execute(_insert_ignoring_duplicates(values))
    return db.session.scalars(select(StoredFile).where(StoredFile.sha256 == sha)).one()


def _insert_ignoring_duplicates(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        from sqlalchemy import insert as plain_insert

        return plain_insert(StoredFile).values(**values)
    return insert(StoredFile).values(**values).on_conflict_do_nothing(index_elements=["sha256"])


def _write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def open_file(evidence: Evidence) -> str:
    """The path of the evidence's content on disk; FileNotFoundError when it is missing."""
    path = safe_join(upload_folder(), *evidence.file.storage_name.split("/"))
    if path is None or not os.path.isfile(path):
        raise FileNotFoundError(evidence.file.storage_name)
    return path


# ---- evidence of a submission ------------------------------------------------------------


def criterion_accepts_evidence(submission: Submission, criterion: Criterion | None) -> bool:
    """True for a scored criterion of the submission's own framework version."""
    return (
        criterion is not None
        and criterion.framework_id == submission.campaign.framework_id
        and criterion.is_leaf
    )


def attach(
    submission: Submission, criterion: Criterion, upload: FileStorage, *, user: User
) -> Evidence:
    """Attach one uploaded file to a criterion of the submission; see attach_all."""
    return attach_all(submission, criterion, [upload], user=user)[0]


def attach_all(
    submission: Submission, criterion: Criterion, uploads: Iterable[FileStorage], *, user: User
) -> list[Evidence]:
    """Attach every file or none: all are checked before anything is written."""
    uploads = [u for u in uploads if u is not None and (u.filename or "").strip()]
    if not uploads:
        raise EvidenceRefused(_("Choose at least one file."))
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise EvidenceRefused(_("At most %(num)s files at a time.", num=MAX_FILES_PER_UPLOAD))
    return attach_each(submission, [(criterion, upload) for upload in uploads], user=user)


def attach_each(
    submission: Submission, files: list[tuple[Criterion, FileStorage]], *, user: User
) -> list[Evidence]:
    """Attach files to criteria of one submission, all or none, with one recount at the end."""
    lock_submission(submission)  # the status checked and the count stored are the committed ones
    stages = {}
    for criterion in {c for c, _upload in files}:
        refusal, stages[criterion.id] = evidence_permission(submission, criterion, user)
        if refusal:
            raise PermissionError(refusal)
        if not criterion_accepts_evidence(submission, criterion):
            raise LookupError(criterion.code if criterion else None)
    max_bytes = int(current_app.config["EVIDENCE_MAX_BYTES"])
    attached = _attached_names(submission, {c.id for c, _upload in files})
    checked, problems = [], []
    chosen: dict[tuple[int, str], str] = {}
    for criterion, upload in files:
        name = safe_filename(upload.filename or "")
        # One byte more than allowed is enough to know the file is too large.
        data = upload.stream.read(max_bytes + 1)
        try:
            mime = check(data, filename=name, max_bytes=max_bytes)
        except EvidenceRefused as refused:
            problems.append(refused.message)
            continue
        sha = hashlib.sha256(data).hexdigest()
        # The same content twice on one criterion proves nothing more: say so, keep one copy.
        key = (criterion.id, sha)
        if key in attached:
            problems.append(_already_attached(name, attached[key]))
            continue
        if key in chosen:
            problems.append(
                _("“%(name)s” is the same file as “%(other)s”.", name=name, other=chosen[key])
            )
            continue
        chosen[key] = name
        checked.append((criterion, name, data, mime, sha))
    if problems:
        raise EvidenceRefused(" ".join(problems))
    added = []
    for criterion, name, data, mime, sha in checked:
        stored = _store_checked(data, mime, sha)
        stage = stages[criterion.id]
        evidence = Evidence(
            submission_id=submission.id,
            criterion_id=criterion.id,
            file_id=stored.id,
            file=stored,
            filename=name,
            stage=stage,
            uploaded_by_id=user.id,
            uploaded_by=user,
        )
        db.session.add(evidence)
        record(
            "evidence_added",
            actor=user,
            submission=submission,
            criterion_code=criterion.code,
            stage=stage,
            to_value=name,
        )
        added.append(evidence)
    # The stored "evidence missing" count of the submission depends on these files.
    refresh_totals(submission)
    db.session.commit()
    return added


def _attached_names(submission: Submission, criterion_ids: set[int]) -> dict[tuple[int, str], str]:
    """The names of the files already on these criteria, by criterion and content hash."""
    rows = db.session.execute(
        select(Evidence.criterion_id, StoredFile.sha256, Evidence.filename)
        .join(StoredFile, StoredFile.id == Evidence.file_id)
        .where(Evidence.submission_id == submission.id, Evidence.criterion_id.in_(criterion_ids))
    )
    return {(criterion_id, sha): name for criterion_id, sha, name in rows}


def _already_attached(name: str, earlier: str) -> str:
    if earlier == name:
        return _("“%(name)s” is already attached to this criterion.", name=name)
    return _(
        "“%(name)s” is already attached to this criterion as “%(earlier)s”.",
        name=name,
        earlier=earlier,
    )


def remove(evidence: Evidence, *, user: User) -> None:
    """Detach a file from its criterion; the content stays stored for the audit trail."""
    submission = db.session.get(Submission, evidence.submission_id)
    criterion = db.session.get(Criterion, evidence.criterion_id)
    lock_submission(submission)
    refusal, stage = evidence_permission(submission, criterion, user)
    if refusal:
        raise PermissionError(refusal)
    if evidence.stage != stage:
        raise PermissionError(_("Only evidence added at this stage can be removed now."))
    record(
        "evidence_removed",
        actor=user,
        submission=submission,
        criterion_code=criterion.code if criterion else None,
        stage=stage,
        from_value=evidence.filename,
    )
    db.session.delete(evidence)
    db.session.flush()
    refresh_totals(submission)
    db.session.commit()


def _evidence_of(submission: Submission):
    return (
        select(Evidence)
        .where(Evidence.submission_id == submission.id)
        .options(
            joinedload(Evidence.file),
            # Roles are not shown here: do not let the uploader's selectin roles add a query.
            joinedload(Evidence.uploaded_by).lazyload(User.role_rows),
        )
        .order_by(Evidence.uploaded_at, Evidence.id)
    )


def list_for(submission: Submission) -> dict[int, list[Evidence]]:
    """The submission's evidence by criterion id, oldest first, with file and uploader loaded."""
    found: dict[int, list[Evidence]] = {}
    for evidence in db.session.scalars(_evidence_of(submission)):
        found.setdefault(evidence.criterion_id, []).append(evidence)
    return found


def files_for(submission: Submission, criterion: Criterion) -> list[Evidence]:
    """The evidence of one criterion of the submission, in one query."""
    query = _evidence_of(submission).where(Evidence.criterion_id == criterion.id)
    return list(db.session.scalars(query))


def get_evidence(submission: Submission, evidence_id: int) -> Evidence | None:
    """The evidence if it belongs to this submission, else None."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.submission_id != submission.id:
        return None
    return evidence
