"""A refused framework file is explained in the interface language."""

from __future__ import annotations

from io import BytesIO

BROKEN = """\
code: MSG-FW
version: 1
name: "Hỏng"
kind: reform
result: percent
bands: [{min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Lĩnh vực"
    children:
      - code: "1.1"
        name: "Thiếu quy tắc"
        max: 2
      - code: "1.2"
        name: "Bước chấm lệch"
        max: 1.5
        rule: {type: manual, step: 0.4}
"""

VIETNAMESE = (
    "Tiêu chí chấm điểm trực tiếp phải có quy tắc chấm điểm (rule).",
    "Điểm tối đa 1,5 không phải là bội số của bước chấm điểm (step) 0,4.",
)
ENGLISH = ("a leaf criterion needs a rule", "max 1.5 is not a multiple of step 0.4")


def test_framework_problems_follow_the_interface_language(login_as, runner, tmp_path):
    # Commands speak the default language.
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["import-framework", str(bad)])
    assert result.exit_code != 0
    assert all(
        f"bad.yaml: {code}: {text}" in result.output
        for code, text in zip(("1.1", "1.2"), VIETNAMESE, strict=True)
    )

    c = login_as("secretariat")

    def refused() -> str:
        r = c.post(
            "/frameworks/import",
            data={"file": (BytesIO(BROKEN.encode()), "bad.yaml")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 422
        return r.get_data(as_text=True)

    html = refused()
    assert all(text in html for text in VIETNAMESE)
    assert "tiêu chí" in html and "điểm" in html
    assert not any(text in html for text in ENGLISH)

    c.post("/language", data={"lang": "en", "next": "/frameworks/import"})
    html = refused()
    assert all(text in html for text in ENGLISH)
    assert not any(text in html for text in VIETNAMESE)
