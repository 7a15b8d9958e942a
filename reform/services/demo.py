"""The demo province: units after the 2025 reform and one account per role."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Unit, User
from reform.services.units import get_or_create_block
from reform.services.users import create_user

DEMO_PASSWORD = "reform-demo"
PROVINCE = ("UBND-HS", "Ủy ban nhân dân tỉnh Hòa Sơn", "province")

DEPARTMENTS = [
    ("VP-UBND", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("SXD", "Sở Xây dựng"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo"),
    ("SNGV", "Sở Ngoại vụ"),
    ("TTT", "Thanh tra tỉnh"),
]
WARDS = [
    ("P-HOABINH", "Phường Hòa Bình"),
    ("P-DONGTHANH", "Phường Đông Thành"),
    ("P-BACSON", "Phường Bắc Sơn"),
    ("P-TANAN", "Phường Tân An"),
    ("P-PHULOI", "Phường Phú Lợi"),
    ("P-HACTHANH", "Phường Hạc Thành"),
    ("P-QUANGTRUNG", "Phường Quang Trung"),
    ("P-DIENBIEN", "Phường Điện Biên"),
    ("P-NGOCTRAO", "Phường Ngọc Trạo"),
    ("P-AMSON", "Phường Âm Sơn"),
]
COMMUNES = [
    ("X-LAMSON", "Xã Lam Sơn", "commune"),
    ("X-THOXUAN", "Xã Thọ Xuân", "commune"),
    ("X-DONGTIEN", "Xã Đông Tiến", "commune"),
    ("X-YENDINH", "Xã Yên Định", "commune"),
    ("X-QUANGPHU", "Xã Quảng Phú", "commune"),
    ("X-HOANGHOA", "Xã Hoằng Hóa", "commune"),
    ("X-NGASON", "Xã Nga Sơn", "commune"),
    ("X-TIENLANG", "Xã Tiên Lãng", "commune"),
    ("X-UYENLANG", "Xã Uyên Lãng", "commune"),
    ("DK-HONME", "Đặc khu Hòn Mê", "special_zone"),
]
PUBLIC_SERVICE = [
    ("TT-HCC", "Trung tâm Phục vụ hành chính công tỉnh", "VP-UBND"),
    ("TT-LTLS", "Trung tâm Lưu trữ lịch sử tỉnh", "SNV"),
    ("TT-TGPL", "Trung tâm Trợ giúp pháp lý nhà nước", "STP"),
]
# (username, full name, roles, unit code)
ACCOUNTS = [
    ("admin", "Quản trị hệ thống", ["admin"], None),
    ("secretariat", "Trần Thị Thu Hà", ["secretariat"], "SNV"),
    ("evaluator", "Lê Minh Đức", ["evaluator"], "SNV"),
    ("leader", "Phạm Quốc Hưng", ["leader"], "UBND-HS"),
    ("head", "Nguyễn Văn Bình", ["head"], "STP"),
    ("officer", "Đỗ Thị Lan Anh", ["officer"], "STP"),
]


class DemoRefused(RuntimeError):
    """Demo accounts must never exist on a production system."""


def load_demo() -> list[tuple[str, str]]:
    """Create the demo units and accounts; return (username, roles) pairs."""
    if current_app.config["ENV"] == "production":
        raise DemoRefused("REFORM_ENV=production: demo accounts are never created in production.")
    if db.session.scalar(select(User).where(User.username.in_([a[0] for a in ACCOUNTS]))):
        raise DemoRefused("Demo accounts already exist.")

    def unit(code: str, name: str, kind: str, parent: Unit | None, block: Block | None) -> Unit:
        found = db.session.scalar(select(Unit).where(Unit.code == code))
        if found is None:
            found = Unit(code=code, name=name, kind=kind, parent=parent, block=block)
            db.session.add(found)
        return found

    province = unit(*PROVINCE, None, None)
    dept_block = get_or_create_block("SBN", "Sở, ban, ngành")
    ward_block = get_or_create_block("PHUONG", "Phường")
    commune_block = get_or_create_block("XA", "Xã, đặc khu")
    by_code = {province.code: province}
    for code, name in DEPARTMENTS:
        by_code[code] = unit(code, name, "department", province, dept_block)
    for code, name in WARDS:
        by_code[code] = unit(code, name, "ward", province, ward_block)
    for code, name, kind in COMMUNES:
        by_code[code] = unit(code, name, kind, province, commune_block)
    for code, name, parent in PUBLIC_SERVICE:
        by_code[code] = unit(code, name, "public_service", by_code[parent], None)
    db.session.commit()

    from reform.frameworks import sample_paths
    from reform.services.frameworks import import_framework

    for path in sample_paths():
        import_framework(path.read_bytes())

    created = []
    for username, full_name, roles, unit_code in ACCOUNTS:
        create_user(
            username,
            full_name,
            roles,
            unit=by_code.get(unit_code) if unit_code else None,
            password=DEMO_PASSWORD,
            is_demo=True,
        )
        created.append((username, ", ".join(roles)))
    return created
