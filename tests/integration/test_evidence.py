"""Evidence files of the self-assessment: real files in, checked by content, stored once."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
import zlib
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from helpers import login
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Campaign, Criterion, Evidence, StoredFile, Submission
from reform.models.submissions import PENDING_APPROVAL, SUBMITTED
from reform.services.evidence import DOCX, JPEG, PDF, PNG, XLSX, safe_filename, sniff

# ---- real files, made here ----------------------------------------------------------------


def make_pdf(text: str = "Ke hoach CCHC", padding: int = 0) -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    out += b"%" + b"x" * padding + b"\n" if padding else b""
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A true-colour PNG, one colour, built from its chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    """A JPEG/JFIF header (SOI, APP0, a quantisation table, SOF0) closed by EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes(range(1, 65))
    sof0 = b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    return (
        b"\xff\xd8" + segment(0xE0, app0) + segment(0xDB, dqt) + segment(0xC0, sof0) + b"\xff\xd9"
    )


def make_docx(text: str = "Báo cáo") -> bytes:
    """A minimal WordprocessingML package as Word writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def make_xlsx() -> bytes:
    """A real workbook saved by openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Tiêu chí"
    book.active["B1"] = 1.5
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ALLOWED = {
    "pdf": (make_pdf, "Kế hoạch CCHC năm.pdf", PDF),
    "png": (make_png, "anh-chup.png", PNG),
    "jpeg": (make_jpeg, "ảnh hiện trường.jpg", JPEG),
    "docx": (make_docx, "Báo cáo.docx", DOCX),
    "xlsx": (make_xlsx, "Bảng số liệu.xlsx", XLSX),
}


# ---- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def campaign(app, framework):
    """A campaign of the small framework whose self-assessment is open today."""
    today = date.today()
    made = Campaign(
        code="PAR-TEST",
        name="Kỳ đánh giá thử",
        framework_id=framework.id,
        self_opens_on=today - timedelta(days=1),
        self_closes_on=today + timedelta(days=10),
    )
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def submission(campaign, units, users):
    """The "own" unit's draft submission; users read English so messages can be asserted."""
    for user in users.values():
        user.locale = "en"
    made = Submission(
        campaign_id=campaign.id, unit_id=units["own"].id, block_id=units["own"].block_id
    )
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def other_submission(campaign, units):
    """The other department's submission in the same campaign."""
    made = Submission(
        campaign_id=campaign.id, unit_id=units["other"].id, block_id=units["other"].block_id
    )
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def criteria(framework):
    """The framework's criterion rows by code."""
    rows = db.session.scalars(select(Criterion).where(Criterion.framework_id == framework.id))
    return {c.code: c for c in rows}


@pytest.fixture
def upload_folder(app):
    return app.config["UPLOAD_FOLDER"]


def files_on_disk(folder: str) -> list[str]:
    """Every file under the folder, relative to it."""
    found = []
    for root, _dirs, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, n), folder) for n in names]
    return sorted(found)


def upload_url(submission, criterion) -> str:
    return f"/assessments/{submission.id}/evidence/{criterion.id}"


def post_files(client, url, *files, htmx=False, **fields):
    """Send files (bytes, name) as the browser's form does."""
    data = {"files": [(io.BytesIO(content), name) for content, name in files], **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers)


def post_raw_names(client, url, *files):
    """Send files whose names hold characters a quoted header cannot (RFC 2231 filename*)."""
    body = b""
    for content, name in files:
        body += (
            b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''"
            + quote(name, safe="").encode()
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + content
            + b"\r\n"
        )
    body += b"--BOUNDARY--\r\n"
    return client.post(url, data=body, content_type="multipart/form-data; boundary=BOUNDARY")


def evidence_rows(submission) -> list[Evidence]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Evidence).where(Evidence.submission_id == submission.id).order_by(Evidence.id)
        )
    )


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def attach_one(login_as, submission, criterion, content=None, name="ke-hoach.pdf") -> Evidence:
    content = make_pdf() if content is None else content
    response = post_files(login_as("officer"), upload_url(submission, criterion), (content, name))
    assert response.status_code == 303, response.get_data(as_text=True)
    return evidence_rows(submission)[-1]


# ---- the file checks themselves ----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_sniff_knows_each_allowed_type_by_content(kind):
    make, _name, mime = ALLOWED[kind]
    assert sniff(make()) == mime


def test_sniff_refuses_other_content():
    assert sniff(b"MZ\x90\x00" + b"\x00" * 100) is None  # a Windows executable
    assert sniff(b"<!doctype html><script>alert(1)</script>") is None
    assert sniff("Ghi chú thường".encode()) is None
    assert sniff(b"") is None
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("word/document.xml", "<x/>")  # Word's part name but no content types
    assert sniff(plain_zip.getvalue()) is None


def test_sniff_refuses_macro_documents_and_oversized_content_types():
    docm = io.BytesIO()
    with zipfile.ZipFile(docm, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\x00" * 10)
    assert sniff(docm.getvalue()) is None
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        # Compresses to a few kB, would inflate to 50 MB: it is never inflated.
        z.writestr(
            "[Content_Types].xml",
            b"wordprocessingml.document.main+xml" + b" " * (50 * 1024 * 1024),
        )
        z.writestr("word/document.xml", "<w:document/>")
    assert len(bomb.getvalue()) < 200_000
    assert sniff(bomb.getvalue()) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("C:\\Users\\Lan\\Báo cáo.pdf", "Báo cáo.pdf"),
        ("bad\x00name.pdf", "badname.pdf"),
        ("two\nlines\r.pdf", "twolines.pdf"),
        ("exe\u202efdp.jpg", "exefdp.jpg"),
        ("..", "tep"),
        ("", "tep"),
        ("/", "tep"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # decomposed (macOS) becomes NFC
    ],
)
def test_safe_filename(given, expected):
    assert safe_filename(given) == expected


def test_safe_filename_keeps_the_extension_of_a_long_name():
    name = safe_filename("Tài liệu " * 60 + ".pdf")
    assert len(name) <= 255 and name.endswith(".pdf")


# ---- uploading ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_officer_uploads_each_allowed_type(kind, login_as, submission, criteria, upload_folder):
    make, name, mime = ALLOWED[kind]
    content = make()
    response = post_files(
        login_as("officer"), upload_url(submission, criteria["1.1"]), (content, name)
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/assessments/{submission.id}"
    [evidence] = evidence_rows(submission)
    assert evidence.filename == name
    assert evidence.file.mime_type == mime
    sha = hashlib.sha256(content).hexdigest()
    assert evidence.file.sha256 == sha and evidence.file.size == len(content)
    assert files_on_disk(upload_folder) == [os.path.join(sha[:2], sha)]
    with open(os.path.join(upload_folder, sha[:2], sha), "rb") as fh:
        assert fh.read() == content
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence_added"))
    assert (event.criterion_code, event.stage, event.to_value) == ("1.1", "self", name)
    assert event.submission_id == submission.id and event.campaign_id == submission.campaign_id


def test_head_uploads_several_files_with_htmx(login_as, submission, criteria):
    response = post_files(
        login_as("head"),
        upload_url(submission, criteria["1.2"]),
        (make_pdf(), "Báo cáo quý.pdf"),
        (make_png(), "ảnh.png"),
        htmx=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="evidence-{criteria["1.2"].id}"' in html and "<html" not in html
    assert "Báo cáo quý.pdf" in html and "ảnh.png" in html
    assert 'loading="lazy"' in html  # the image's thumbnail
    assert [e.filename for e in evidence_rows(submission)] == ["Báo cáo quý.pdf", "ảnh.png"]


def test_a_png_renamed_pdf_is_refused_and_nothing_is_kept(
    login_as, submission, criteria, upload_folder
):
    criterion = criteria["1.1"]
    response = post_files(
        login_as("officer"),
        upload_url(submission, criterion),
        (make_png(), "ke-hoach.pdf"),
        htmx=True,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "really a PNG file" in html and ".png" in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="evidence-hint-{criterion.id} evidence-error-{criterion.id}"' in html
    assert f'id="evidence-error-{criterion.id}"' in html
    assert "Evidence required" in html  # 1.1 requires evidence and still has none
    assert evidence_rows(submission) == [] and stored_count() == 0
    assert files_on_disk(upload_folder) == []


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
        b"<!DOCTYPE html><html><script>document.cookie</script></html>",
        "Đây là một tệp văn bản.".encode(),
    ],
    ids=["exe", "html", "text"],
)
def test_other_content_named_pdf_is_refused(content, login_as, submission, criteria):
    response = post_files(
        login_as("officer"), upload_url(submission, criteria["1.1"]), (content, "tai-lieu.pdf")
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "is not a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file" in html
    assert "<html" in html  # without JavaScript a whole page, with the error beside the input
    assert evidence_rows(submission) == [] and stored_count() == 0


def test_one_bad_file_refuses_the_whole_request(login_as, submission, criteria, upload_folder):
    response = post_files(
        login_as("officer"),
        upload_url(submission, criteria["1.1"]),
        (make_pdf(), "tot.pdf"),
        (b"", "rong.pdf"),
        (make_jpeg(), "anh.png"),
        htmx=True,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“rong.pdf” is empty." in html and "“anh.png” is really a JPEG file" in html
    assert evidence_rows(submission) == [] and files_on_disk(upload_folder) == []


def test_no_file_chosen_answers_422(login_as, submission, criteria):
    response = login_as("officer").post(
        upload_url(submission, criteria["1.1"]), data={}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "Choose at least one file." in response.get_data(as_text=True)


def test_an_oversized_file_is_refused_with_the_limit(make_app, submission, criteria):
    small = make_app(EVIDENCE_MAX_BYTES=1024 * 1024)
    assert small.config["MAX_CONTENT_LENGTH"] >= 2 * 1024 * 1024
    client = small.test_client()
    assert login(client, "officer").status_code == 303
    big = make_pdf(padding=1024 * 1024)
    response = post_files(client, upload_url(submission, criteria["1.1"]), (big, "lon.pdf"))
    assert response.status_code == 422
    assert "“lon.pdf” is larger than 1 MB." in response.get_data(as_text=True)
    assert evidence_rows(submission) == [] and stored_count() == 0
    ok = post_files(client, upload_url(submission, criteria["1.1"]), (make_pdf(), "nho.pdf"))
    assert ok.status_code == 303


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("bad\x00name.pdf", "badname.pdf"),
        ("two\nlines.pdf", "twolines.pdf"),
    ],
)
def test_path_tricks_in_names_stay_names(
    name, shown, login_as, submission, criteria, upload_folder
):
    content = make_pdf(text=name.encode("unicode_escape").decode())
    response = post_raw_names(
        login_as("officer"), upload_url(submission, criteria["1.1"]), (content, name)
    )
    assert response.status_code == 303
    [evidence] = evidence_rows(submission)
    assert evidence.filename == shown
    sha = hashlib.sha256(content).hexdigest()
    assert evidence.file.storage_name == f"{sha[:2]}/{sha}"
    assert files_on_disk(upload_folder) == [os.path.join(sha[:2], sha)]
    assert not os.path.exists(os.path.join(os.path.dirname(upload_folder), "x.pdf"))


def test_the_same_content_on_two_criteria_is_stored_once_and_listed_on_each(
    login_as, submission, criteria, upload_folder
):
    content = make_pdf(text="same")
    client = login_as("officer")
    for criterion, name in ((criteria["1.1"], "ban-1.pdf"), (criteria["1.2"], "ban-2.pdf")):
        response = post_files(client, upload_url(submission, criterion), (content, name))
        assert response.status_code == 303
    rows = evidence_rows(submission)
    assert [e.filename for e in rows] == ["ban-1.pdf", "ban-2.pdf"]
    assert len({e.file_id for e in rows}) == 1
    assert stored_count() == 1 and len(files_on_disk(upload_folder)) == 1


def test_the_same_file_twice_on_one_criterion_is_said_to_be_attached_already(
    login_as, submission, criteria, upload_folder
):
    content = make_pdf(text="same")
    client = login_as("officer")
    url = upload_url(submission, criteria["1.1"])
    assert post_files(client, url, (content, "ke-hoach.pdf")).status_code == 303
    again = post_files(client, url, (content, "ke-hoach.pdf"), htmx=True)
    assert again.status_code == 422
    html = again.get_data(as_text=True)
    # The message stands beside the upload field, in the criterion's own block.
    assert f'id="evidence-error-{criteria["1.1"].id}"' in html
    assert "“ke-hoach.pdf” is already attached to this criterion." in html
    assert 'aria-invalid="true"' in html
    # Renamed, the content is still the same file: named with the name it carries here.
    renamed = post_files(client, url, (content, "ban-sao.pdf"), (make_png(), "anh.png"))
    assert renamed.status_code == 422
    assert "“ban-sao.pdf” is already attached to this criterion as “ke-hoach.pdf”." in (
        renamed.get_data(as_text=True)
    )
    # Twice in one request is the same mistake.
    twice = post_files(
        client, upload_url(submission, criteria["1.2"]), (content, "a.pdf"), (content, "b.pdf")
    )
    assert twice.status_code == 422
    assert "“b.pdf” is the same file as “a.pdf”." in twice.get_data(as_text=True)
    assert [e.filename for e in evidence_rows(submission)] == ["ke-hoach.pdf"]
    assert stored_count() == 1 and len(files_on_disk(upload_folder)) == 1


def test_upload_to_a_section_or_another_frameworks_criterion_is_404(login_as, submission, criteria):
    client = login_as("officer")
    assert (
        post_files(client, upload_url(submission, criteria["1"]), (make_pdf(), "a.pdf")).status_code
        == 404
    )
    url = f"/assessments/{submission.id}/evidence/999999"
    assert post_files(client, url, (make_pdf(), "a.pdf")).status_code == 404


def test_a_safe_next_is_followed_and_an_unsafe_one_ignored(login_as, submission, criteria):
    client = login_as("officer")
    url = upload_url(submission, criteria["1.1"])
    here = f"/assessments/{submission.id}?area=1"
    response = post_files(client, url, (make_pdf(text="a"), "a.pdf"), next=here)
    assert response.headers["Location"] == here
    response = post_files(client, url, (make_pdf(text="b"), "b.pdf"), next="https://evil.example/")
    assert response.headers["Location"] == f"/assessments/{submission.id}"
    response = post_files(client, url, (make_pdf(text="c"), "c.pdf"), next="//evil.example/")
    assert response.headers["Location"] == f"/assessments/{submission.id}"


# ---- who may upload, and when -------------------------------------------------------------


@pytest.mark.parametrize("who", ["evaluator", "leader", "secretariat", "admin"])
def test_staff_cannot_upload(who, login_as, submission, criteria):
    response = post_files(
        login_as(who), upload_url(submission, criteria["1.1"]), (make_pdf(), "a.pdf")
    )
    assert response.status_code == 403
    assert "Only the unit&#39;s officers and head" in response.get_data(as_text=True)
    assert evidence_rows(submission) == []


@pytest.mark.parametrize("status", [SUBMITTED, PENDING_APPROVAL])
def test_upload_refused_once_sent(status, login_as, submission, criteria):
    submission.status = status
    db.session.commit()
    response = post_files(
        login_as("officer"), upload_url(submission, criteria["1.1"]), (make_pdf(), "a.pdf")
    )
    assert response.status_code == 403
    assert evidence_rows(submission) == []


def test_upload_refused_outside_the_self_assessment_phase(make_app, submission, criteria):
    later = make_app(TODAY=(date.today() + timedelta(days=30)).isoformat())
    client = later.test_client()
    assert login(client, "officer").status_code == 303
    response = post_files(client, upload_url(submission, criteria["1.1"]), (make_pdf(), "a.pdf"))
    assert response.status_code == 403
    assert "Self-assessment closed" in response.get_data(as_text=True)
    assert evidence_rows(submission) == []


def test_read_only_block_has_no_form_but_keeps_downloads(login_as, submission, criteria):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    submission.status = SUBMITTED
    db.session.commit()
    response = post_files(
        login_as("officer"),
        upload_url(submission, criteria["1.1"]),
        (make_pdf(text="z"), "z.pdf"),
        htmx=True,
    )
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert f"/evidence/{evidence.id}/download" in html
    assert 'type="file"' not in html and "/remove" not in html


# ---- downloading and previewing -----------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "head", "secretariat", "evaluator", "leader", "admin"])
def test_download_by_the_unit_and_staff(who, login_as, submission, criteria):
    content = make_docx()
    evidence = attach_one(login_as, submission, criteria["1.1"], content, "Báo cáo tổng hợp.docx")
    response = login_as(who).get(f"/assessments/{submission.id}/evidence/{evidence.id}/download")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == DOCX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("Báo cáo tổng hợp.docx") in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_preview_is_inline_for_images_and_pdfs_only(login_as, submission, criteria):
    png = attach_one(login_as, submission, criteria["1.1"], make_png(), "anh.png")
    pdf = attach_one(login_as, submission, criteria["1.1"], make_pdf(), "ke-hoach.pdf")
    xlsx = attach_one(login_as, submission, criteria["1.1"], make_xlsx(), "so-lieu.xlsx")
    client = login_as("evaluator")
    base = f"/assessments/{submission.id}/evidence"

    image = client.get(f"{base}/{png.id}/preview")
    assert image.status_code == 200 and image.mimetype == PNG
    assert image.headers["Content-Disposition"].startswith("inline")
    csp = image.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp and "sandbox" in csp
    assert image.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert image.headers["X-Content-Type-Options"] == "nosniff"

    document = client.get(f"{base}/{pdf.id}/preview")
    assert document.status_code == 200 and document.mimetype == PDF
    assert document.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" not in document.headers["Content-Security-Policy"]

    assert client.get(f"{base}/{xlsx.id}/preview").status_code == 404
    assert client.get(f"{base}/{xlsx.id}/download").status_code == 200


def test_another_units_officer_gets_404_everywhere(login_as, submission, criteria):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    stranger = login_as("other_officer")
    base = f"/assessments/{submission.id}/evidence"
    assert stranger.get(f"{base}/{evidence.id}/download").status_code == 404
    assert stranger.get(f"{base}/{evidence.id}/preview").status_code == 404
    assert stranger.post(f"{base}/{evidence.id}/remove").status_code == 404
    response = post_files(stranger, upload_url(submission, criteria["1.1"]), (make_pdf(), "x.pdf"))
    assert response.status_code == 404
    assert len(evidence_rows(submission)) == 1


def test_evidence_of_another_submission_is_404(
    login_as, submission, other_submission, criteria, users
):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    # Staff may see both submissions, but the evidence belongs to only one of them.
    base = f"/assessments/{other_submission.id}/evidence/{evidence.id}"
    admin = login_as("admin")
    assert admin.get(f"{base}/download").status_code == 404
    assert admin.get(f"{base}/preview").status_code == 404


def test_anonymous_is_sent_to_sign_in(app, login_as, submission, criteria):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    anonymous = app.test_client()
    base = f"/assessments/{submission.id}/evidence"
    for response in (
        anonymous.get(f"{base}/{evidence.id}/download"),
        anonymous.get(f"{base}/{evidence.id}/preview"),
        anonymous.post(f"{base}/{evidence.id}/remove"),
        post_files(anonymous, upload_url(submission, criteria["1.1"]), (make_pdf(), "x.pdf")),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- removing ----------------------------------------------------------------------------


def test_removal_detaches_the_file_and_is_audited(login_as, submission, criteria, users):
    evidence = attach_one(login_as, submission, criteria["1.1"], name="Kế hoạch.pdf")
    url = f"/assessments/{submission.id}/evidence/{evidence.id}/remove"
    response = login_as("head").post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kế hoạch.pdf" not in html and "Evidence required" in html
    assert evidence_rows(submission) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence_removed"))
    assert event.from_value == "Kế hoạch.pdf" and event.criterion_code == "1.1"
    assert event.actor_id == users["head"].id and event.stage == "self"
    # Without JavaScript the form goes back to the page it came from.
    again = attach_one(login_as, submission, criteria["1.1"], make_pdf(text="2"), "b.pdf")
    response = login_as("officer").post(
        f"/assessments/{submission.id}/evidence/{again.id}/remove",
        data={"next": f"/assessments/{submission.id}?area=1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/assessments/{submission.id}?area=1"


@pytest.mark.parametrize("who", ["evaluator", "leader"])
def test_staff_cannot_remove(who, login_as, submission, criteria):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    url = f"/assessments/{submission.id}/evidence/{evidence.id}/remove"
    assert login_as(who).post(url).status_code == 403
    assert len(evidence_rows(submission)) == 1


def test_removal_refused_once_submitted(login_as, submission, criteria):
    evidence = attach_one(login_as, submission, criteria["1.1"])
    submission.status = SUBMITTED
    db.session.commit()
    url = f"/assessments/{submission.id}/evidence/{evidence.id}/remove"
    assert login_as("officer").post(url).status_code == 403
    assert len(evidence_rows(submission)) == 1


# ---- the block -----------------------------------------------------------------------------


def test_block_shows_size_uploader_and_remove_form(login_as, submission, criteria, users):
    criterion = criteria["1.2"]
    users["officer"].locale = "vi"
    db.session.commit()
    response = post_files(
        login_as("officer"),
        upload_url(submission, criterion),
        (make_pdf(padding=1500), "bao-cao.pdf"),
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    size_kb = len(make_pdf(padding=1500)) / 1024
    assert f"{size_kb:.1f}".replace(".", ",") + " KB" in html  # the Vietnamese decimal comma
    assert users["officer"].full_name in html
    assert 'method="post"' in html and "data-confirm=" in html
    assert f'hx-target="#evidence-{criterion.id}"' in html
    assert 'enctype="multipart/form-data"' in html and 'hx-encoding="multipart/form-data"' in html
    assert 'name="files"' in html and "multiple" in html and "accept=" in html
    assert "<script" not in html and "style=" not in html
    assert response.headers["Vary"] and "HX-Request" in response.headers["Vary"]


def test_attach_each_stores_files_on_several_criteria_or_none(submission, criteria, users):
    from werkzeug.datastructures import FileStorage

    from reform.services.evidence import EvidenceRefused, attach_each

    leaves = [c for c in criteria.values() if c.is_leaf][:2]
    officer = users["officer"]

    def file(content: bytes, name: str) -> FileStorage:
        return FileStorage(io.BytesIO(content), filename=name)

    # One bad file refuses the whole batch: nothing is stored or logged.
    with pytest.raises(EvidenceRefused):
        attach_each(
            submission,
            [(leaves[0], file(make_pdf(), "a.pdf")), (leaves[1], file(b"MZ\x90\x00", "b.pdf"))],
            user=officer,
        )
    db.session.rollback()
    assert evidence_rows(submission) == []
    added = attach_each(
        submission,
        [(leaves[0], file(make_pdf(), "a.pdf")), (leaves[1], file(make_png(), "b.png"))],
        user=officer,
    )
    assert [e.criterion_id for e in added] == [leaves[0].id, leaves[1].id]
    assert len(evidence_rows(submission)) == 2
    events = db.session.scalar(select(func.count()).where(AuditEvent.action == "evidence_added"))
    assert events == 2
