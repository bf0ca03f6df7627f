"""修改密码: every signed-in staff member changes their own password; all their sessions end.
After an administrator's reset it is the only page the person may open until they do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.core.errors import Invalid
from minyi.org.accounts import check_password, password_hash_of, prepare_password, set_password
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form
from minyi.web.security import SESSION_COOKIE

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/console/password")
def password_form(request: Request) -> Response:
    actor = staff(request, changing_password=True)
    return render(request, "console/password.html", required=actor.must_change_password)


@router.post("/console/password")
def password_submit(request: Request, form: PostedForm) -> Response:
    actor, state, _ = staff_form(request, form, changing_password=True)
    # The passwords exactly as typed (staff_form strips spaces, which a password may have).
    old, new, again = (
        form.get(k) if isinstance(form.get(k), str) else ""
        for k in ("old_password", "new_password", "new_password2")
    )
    if new != again:
        raise Invalid("password_mismatch", "两次输入的新密码不一致", field="new_password2")
    with state.db.reading() as session:
        old_hash = password_hash_of(session, username=actor.username)
    # Argon2 outside the write transaction (a plain `def` route: off the event loop too).
    check_password(old_hash, str(old))
    new_hash = prepare_password(str(new), username=actor.username, old=str(old))
    with state.db.unit_of_work() as session:
        set_password(
            session,
            username=actor.username,
            password_hash=new_hash,
            now=state.clock.now(),
            expected_hash=old_hash,
        )
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
