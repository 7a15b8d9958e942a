"""The self-assessment report as a PDF: official layout, Vietnamese text, access as the page."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from test_assessment import save

EXPLANATION = "Đã đăng tải kế hoạch trên Cổng thông tin điện tử của Sở"


def pdf_url(submission) -> str:
    return f"/assessments/{submission.id}/report.pdf"


def pdf_text(data: bytes) -> str:
    """The text a reader sees, page after page, with lines joined by spaces."""
    reader = PdfReader(BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def filled(login_as, submission):
    """Three criteria saved by the officer, one of them explained."""
    c = login_as("officer")
    assert save(c, submission, "1.1", v="Đúng hạn").status_code == 200
    assert save(c, submission, "1.2", v="yes").status_code == 200
    assert save(c, submission, "1.3", v="1,75", expl=EXPLANATION).status_code == 200
    return submission


def test_the_officer_downloads_the_report_as_a_pdf(login_as, filled):
    r = login_as("officer").get(pdf_url(filled))
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="tu-danh-gia-STP-PAR-TEST.pdf"' in disposition
    assert "filename*=UTF-8''" + quote("Báo cáo tự đánh giá - Sở Tư pháp", safe="") in disposition
    # Behind a login: never kept in a shared computer's cache.
    assert r.headers["Cache-Control"] == "no-store"


def test_the_pdf_reads_as_the_official_report(login_as, filled):
    text = pdf_text(login_as("officer").get(pdf_url(filled)).data)
    # The national header, in capitals as printed, and the motto.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    # The issuing unit (capitals in the header), the title, the campaign.
    assert "SỞ TƯ PHÁP" in text and "BÁO CÁO TỰ ĐÁNH GIÁ" in text
    assert "Kỳ đánh giá thử" in text
    # Each criterion with its points as the page shows them, with the decimal comma.
    assert "1.1 Kế hoạch CCHC 2,00 Đúng hạn 2,00" in text
    assert "1.3 Điểm đánh giá của Hội đồng 2,00" in text and "1,75" in text
    # Against the 15 points the unit scores itself (the 4 survey points are the council's).
    assert "4,75 / 15,00" in text and "tổng điểm tự chấm được 15,00" in text
    assert EXPLANATION in text
    # The signature block.
    assert "Người lập" in text and "(Ký, ghi rõ họ tên)" in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text and "(Ký, ghi rõ họ tên, đóng dấu)" in text
    # The on-screen buttons stay off paper.
    assert "Tải về tệp PDF" not in text


def test_the_pdf_embeds_its_fonts(login_as, filled):
    reader = PdfReader(BytesIO(login_as("officer").get(pdf_url(filled)).data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor.get_object()
    assert fonts and all(fonts.values()), fonts
    # One serif family for every letter: no fallback font for the Vietnamese ones.
    assert all("Liberation-Serif" in name for name in fonts), sorted(fonts)


def test_the_form_links_to_the_pdf(login_as, submission):
    c = login_as("officer")
    url = pdf_url(submission)
    assert f'href="{url}"' in c.get(f"/assessments/{submission.id}").get_data(as_text=True)
    report = c.get(f"/assessments/{submission.id}/report").get_data(as_text=True)
    assert f'href="{url}"' in report and "data-print" in report


def test_another_units_officer_gets_404(login_as, filled):
    assert login_as("other_officer").get(pdf_url(filled)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, filled):
    r = client.get(pdf_url(filled))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("who", ["leader", "evaluator", "secretariat", "head"])
def test_staff_and_the_head_download_it(login_as, filled, who):
    r = login_as(who).get(pdf_url(filled))
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert "Kế hoạch CCHC" in pdf_text(r.data)


def test_the_renderer_reads_only_this_sites_static_files(app):
    from reform.services.pdf import StaticFetcher

    fetcher = StaticFetcher("http://localhost/static/", app.static_folder)
    css = fetcher.fetch("http://localhost/static/css/report.css?v=2")
    assert css.content_type == "text/css" and b"@page" in css.read()
    for url in (
        "http://example.org/static/css/report.css",
        "http://localhost/static/../wsgi.py",
        "http://localhost/static/%2e%2e/wsgi.py",
        "http://localhost/assessments/1/report",
        "file:///etc/passwd",
    ):
        with pytest.raises((ValueError, OSError)):
            fetcher.fetch(url)
