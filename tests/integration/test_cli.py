"""One test (at least) per command of the `reform` group."""

from __future__ import annotations

from sqlalchemy import func, select

from reform.extensions import db
from reform.models import Framework, Unit, User


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output


def test_demo_loads_a_province_and_the_accounts(runner, app):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    usernames = set(db.session.scalars(select(User.username)))
    assert {"admin", "secretariat", "evaluator", "leader", "head", "officer"} <= usernames
    head = db.session.scalar(select(User).where(User.username == "head"))
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    assert head.unit_id == officer.unit_id and head.unit.kind == "department"
    kinds = dict(db.session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
    assert 12 <= kinds["department"] <= 15
    codes = set(db.session.scalars(select(Framework.code)))
    assert codes == {"PAR-DEPT", "PAR-COMMUNE", "TD-KHOI", "CC-335"}
    assert kinds["ward"] + kinds["commune"] + kinds.get("special_zone", 0) >= 18
    # The login page lists the demo accounts while they exist.
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "reform-demo" in page and "secretariat" in page
    # Running it again is refused, and --if-empty is a quiet no-op.
    assert runner.invoke(args=["demo"]).exit_code != 0
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    # The demo accounts sign in with the published password (one load serves both checks).
    r = app.test_client().post("/login", data={"username": "leader", "password": "reform-demo"})
    assert r.status_code == 303


def test_demo_is_refused_in_production(make_app):
    app = make_app(ENV="production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_no_demo_accounts_no_list_on_the_login_page(client, users):
    assert "reform-demo" not in client.get("/login").get_data(as_text=True)


def test_create_user_reads_the_password_from_stdin(runner, units):
    result = runner.invoke(
        args=[
            "create-user",
            "tp",
            "--role",
            "head",
            "--role",
            "officer",
            "--unit",
            "STP",
            "--password-stdin",
        ],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "tp"))
    assert user.roles == ["head", "officer"] and user.unit.code == "STP"
    assert not user.must_change_password


def test_create_user_prompts_for_the_password(runner, units):
    result = runner.invoke(
        args=["create-user", "boss", "--role", "admin"], input="a-long-password\na-long-password\n"
    )
    assert result.exit_code == 0, result.output


def test_create_user_errors(runner, units):
    r = runner.invoke(
        args=["create-user", "xx", "--role", "officer", "--password-stdin"],
        input="a-long-password\n",
    )
    assert r.exit_code != 0 and "đơn vị" in r.output
    r = runner.invoke(
        args=["create-user", "xx", "--role", "officer", "--unit", "NOPE", "--password-stdin"],
        input="a-long-password\n",
    )
    assert r.exit_code != 0 and "NOPE" in r.output
    r = runner.invoke(args=["create-user", "xx", "--role", "wizard", "--password-stdin"])
    assert r.exit_code != 0
    r = runner.invoke(
        args=["create-user", "xx", "--role", "leader", "--password-stdin"], input="short\n"
    )
    assert r.exit_code != 0
    assert db.session.scalar(select(User).where(User.username == "xx")) is None


def test_set_password_ends_sessions(runner, app, users, login_as):
    phone = login_as("admin")
    result = runner.invoke(
        args=["set-password", "admin", "--password-stdin"], input="recovered-2026\n"
    )
    assert result.exit_code == 0, result.output
    assert phone.get("/account").status_code == 302
    r = app.test_client().post("/login", data={"username": "admin", "password": "recovered-2026"})
    assert r.status_code == 303
    assert (
        runner.invoke(
            args=["set-password", "ghost", "--password-stdin"], input="whatever-long\n"
        ).exit_code
        != 0
    )


def test_create_user_checks_the_username(runner, units):
    r = runner.invoke(
        args=["create-user", "bad name é", "--role", "leader", "--password-stdin"],
        input="a-long-password\n",
    )
    assert r.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_if_empty_prints_the_accounts_again(runner, app):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "officer" in result.output and "reform-demo" in result.output


def test_import_units(runner, tmp_path, app):
    good = tmp_path / "units.csv"
    good.write_text(
        "code,name,kind,parent_code,block_code,block_name\n"
        'T,UBND tỉnh,province,,,\nS1,Sở Nội vụ,department,T,SBN,"Sở, ban, ngành"\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,kind,parent_code,block_code,block_name\nZ1,,department,,,\nZ2,B,Bad Kind,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(bad)])
    assert result.exit_code != 0
    assert "bad.csv:2:" in result.output and "bad.csv:3:" in result.output
    assert db.session.scalar(select(Unit).where(Unit.code == "Z1")) is None


def test_import_units_takes_an_optional_place_column(runner, tmp_path, app):
    placed = tmp_path / "places.csv"
    placed.write_text(
        "code,name,kind,parent_code,block_code,block_name,place\n"
        "T,UBND tỉnh,province,,,,Hòa Sơn\nS1,Sở Nội vụ,department,T,SBN,Sở,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(placed)])
    assert result.exit_code == 0, result.output
    sub = db.session.scalar(select(Unit).where(Unit.code == "S1"))
    assert sub.parent.place == "Hòa Sơn" and sub.place_name() == "Hòa Sơn"
