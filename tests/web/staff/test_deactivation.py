"""An administrator deactivates an account: its sessions end on the server at once, it cannot log in, audited."""

from __future__ import annotations

from sqlalchemy import func, select

from prem.db import db
from prem.staff.models import AuditEvent, StaffSession, StaffUser

from ..conftest import csrf_token
from .conftest import log_in


def _post_active(admin, user_id: int, active: str):
    page = admin.get("/staff/users")
    return admin.post(f"/staff/users/{user_id}/active", data={"csrf_token": csrf_token(page.text), "active": active})


def test_a_deactivated_accounts_sessions_end_at_once_and_it_cannot_log_in(app, make_staff):
    make_staff("anna", "administrator")
    bo = make_staff("bo", "coordinator", ("10",))
    admin, coordinator, second_browser = app.test_client(), app.test_client(), app.test_client()
    log_in(admin, "anna")
    log_in(coordinator, "bo")
    log_in(second_browser, "bo")
    assert coordinator.get("/staff/rounds").status_code == 200
    response = _post_active(admin, bo, "0")
    assert response.status_code == 302
    assert "avstängt" in admin.get("/staff/users").text
    # Both of bo's browsers are logged out on the very next request: the rows are gone.
    assert coordinator.get("/staff/rounds").location.startswith("/staff/login")
    assert second_browser.get("/staff/rounds").location.startswith("/staff/login")
    with app.app_context():
        count = select(func.count()).select_from(StaffSession).where(StaffSession.user_id == bo)
        assert db.session.execute(count).scalar_one() == 0
    # The right password no longer opens the account, and says no more than a wrong one.
    refused = log_in(app.test_client(), "bo")
    assert refused.status_code == 200 and "fel" in refused.text.lower()
    with app.app_context():
        events = [(e.actor, e.action, e.detail) for e in db.session.execute(select(AuditEvent)).scalars()]
    assert ("anna", "user_deactivated", "bo") in events
    assert ("bo", "login_failed", "account deactivated") in events
    # Activated again, the same password works.
    _post_active(admin, bo, "1")
    assert log_in(app.test_client(), "bo").status_code == 302
    with app.app_context():
        assert db.session.get(StaffUser, bo).active
        assert db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first()[0] == "login"


def test_an_administrator_cannot_deactivate_themselves_or_the_last_administrator(app, make_staff):
    anna = make_staff("anna", "administrator")
    admin = app.test_client()
    log_in(admin, "anna")
    assert f'action="/staff/users/{anna}/active"' not in admin.get("/staff/users").text
    _post_active(admin, anna, "0")
    assert "Kontot ändrades inte. Du kan inte stänga av ditt eget konto." in admin.get("/staff/users").text
    admin.get("/staff/language/en?next=/staff/")
    _post_active(admin, anna, "0")
    assert "The account was not changed. You cannot deactivate your own account." in admin.get("/staff/users").text
    with app.app_context():
        assert db.session.get(StaffUser, anna).active


def test_only_an_administrator_may_deactivate(app, make_staff):
    make_staff("anna", "administrator")
    analyst = make_staff("ana", "analyst")
    coordinator = app.test_client()
    make_staff("bo", "coordinator", ("10",))
    log_in(coordinator, "bo")
    page = coordinator.get("/staff/rounds")
    refused = coordinator.post(
        f"/staff/users/{analyst}/active", data={"csrf_token": csrf_token(page.text), "active": "0"}
    )
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(StaffUser, analyst).active
