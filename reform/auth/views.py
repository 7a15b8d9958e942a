"""Sign in, sign out, own password, sign out everywhere, language."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.auth.forms import LoginForm, PasswordChangeForm
from reform.extensions import db
from reform.models import User
from reform.security import begin_session, end_session, is_safe_next
from reform.services import accounts, login_limits
from reform.services.demo import DEMO_PASSWORD
from reform.services.passwords import verify_password
from reform.web import render, see_other

bp = Blueprint("auth", __name__)


def _hold_message(hold: login_limits.Hold) -> str:
    """When this username may try again from here, in seconds and as a time of day."""
    return ngettext(
        "Too many failed sign-ins for this username. Try again in %(num)s second (at %(time)s).",
        "Too many failed sign-ins for this username. Try again in %(num)s seconds (at %(time)s).",
        hold.seconds,
        time=format_time(hold.until, "HH:mm:ss"),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error, hold = None, None
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        username, address = form.username.data, get_remote_address()
        hold = login_limits.account_hold(username, address)
        if hold is not None:
            # Not even checked: guessing on while held learns nothing.
            error, status = _hold_message(hold), 429
        else:
            user = accounts.authenticate(username, form.password.data)
            if user is not None:
                login_limits.forget_failures(username, address)
                begin_session(user)
                if user.must_change_password:
                    flash(_("Choose a new password before you continue."), "warning")
                    return redirect(url_for("auth.account"), code=303)
                target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
                return redirect(target, code=303)
            hold = login_limits.record_failure(username, address)
            # The same words whether the user is unknown, inactive or the password is wrong.
            error = _("Wrong username or password.")
            if hold is not None:
                error = f"{error} {_hold_message(hold)}"
    demo_users = db.session.scalars(
        select(User).where(User.is_demo.is_(True), User.active.is_(True)).order_by(User.id)
    ).all()
    response = render(
        "auth/login.html",
        status=status,
        form=form,
        error=error,
        demo_users=demo_users,
        demo_password=DEMO_PASSWORD,
    )
    if hold is not None:
        response.headers["Retry-After"] = str(hold.seconds)
    return response


@bp.post("/logout")
def logout():
    """Sign out of this browser; a copy of its cookie stops working too."""
    end_session()
    flash(_("You have signed out."), "info")
    return see_other(url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    """The user's own account: password, sessions, language."""
    return render("auth/account.html", form=PasswordChangeForm())


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's own password; every other session ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("Choose a password different from the current one."))
        else:
            accounts.set_password(current_user, form.new_password.data)
            # Every session ended with the change; this browser continues in a new one.
            begin_session(current_user._get_current_object(), fresh=False)
            flash(_("Password changed. Other sessions have been signed out."), "success")
            return see_other(url_for("auth.account"))
    return render("auth/account.html", status=422, form=form)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every other session of this user; this one continues."""
    accounts.end_all_sessions(current_user)
    # This browser continues in a new session, the others have no record left.
    begin_session(current_user._get_current_object(), fresh=False)
    flash(_("Every other session has been signed out."), "success")
    return see_other(url_for("auth.account"))


@bp.post("/language")
def set_language():
    """Switch the interface language and remember it."""
    lang = request.form.get("lang", "")
    target = request.form.get("next", "")
    if not is_safe_next(target):
        target = url_for("main.index")
    response = see_other(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return response
