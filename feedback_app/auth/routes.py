from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..i18n import PAGE_LANGUAGES
from ..security import safe_local_url
from ..services.errors import TooManyAttempts
from ..services.users import authenticate, end_sessions
from . import bp
from .forms import LoginForm


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr)
        except TooManyAttempts:
            flash(_("Too many failed sign-ins. Wait a while and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            login_user(user)
            return redirect(safe_local_url(request.args.get("next")) or url_for("main.index"))
        flash(_("Wrong username or password."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/locale/<code>")
def set_locale(code: str):
    """Remember the visitor's language for this session."""
    if code in PAGE_LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = safe_local_url(request.form.get("next")) or safe_local_url(request.referrer, host=request.host)
    return redirect(target or url_for("main.index"))
