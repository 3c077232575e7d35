"""The administration's codes in the reader's language: actions of the audit log, roles,
kinds of object and the reasons an act is refused. A code without a sentence shows itself."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError
from portal.accounts import messages as accounts_messages


def action_label(action: str) -> str:
    labels = {
        "dataset.create": _("Dataset created"),
        "dataset.edit": _("Dataset edited"),
        "dataset.publish": _("Dataset published"),
        "dataset.submit": _("Dataset sent for review"),
        "dataset.approve": _("Dataset approved"),
        "dataset.return": _("Dataset returned to its publisher"),
        "dataset.withdraw": _("Dataset withdrawn"),
        "file.upload": _("File uploaded"),
        "file.link": _("File linked"),
        "file.edit": _("File edited"),
        "file.remove": _("File removed"),
        "role.grant": _("Role granted"),
        "role.revoke": _("Role revoked"),
        "account.erase": _("Account erased"),
        "account.register": _("Account registered"),
        "account.confirm": _("Account confirmed"),
        "account.create": _("Account created"),
        "account.sign-in": _("Signed in"),
        "account.sign-in-failed": _("Failed sign-in"),
        "account.sign-out": _("Signed out"),
        "account.locked": _("Account locked"),
        "account.two-factor": _("Second factor given"),
        "account.two-factor-failed": _("Wrong second factor"),
        "account.two-factor-on": _("Second factor set up"),
        "account.password-change": _("Password changed"),
        "account.password-reset-request": _("Password reset asked for"),
        "account.password-reset": _("Password reset"),
        "token.create": _("API token created"),
        "token.revoke": _("API token revoked"),
        "department.review": _("Department review setting changed"),
        "department.licence": _("Department default licence changed"),
        "harvest.source-add": _("Harvest source added"),
        "harvest.run": _("Harvest started"),
        "audit.export": _("Audit log exported"),
        "application.create": _("Application drafted"),
        "application.update": _("Application edited"),
        "application.attach": _("Attachment added to an application"),
        "application.submit": _("Application submitted"),
        "application.start_review": _("Application review started"),
        "application.request_info": _("More information asked for an application"),
        "application.resubmit": _("Application resubmitted"),
        "application.approve": _("Application approved"),
        "application.reject": _("Application rejected"),
        "application.activate": _("Grant made"),
        "application.expire": _("Grant expired"),
        "application.revoke": _("Grant revoked"),
        "application.close": _("Grant closed"),
        "application.withdraw": _("Application withdrawn"),
        "applications.export": _("Applications exported"),
        "grant.deliver": _("Masked copy delivered"),
        "sandbox.export.request": _("Sandbox result export requested"),
        "sandbox.export.approve": _("Sandbox result export approved"),
        "sandbox.export.reject": _("Sandbox result export rejected"),
        "sandbox.export.download": _("Sandbox result downloaded"),
        "usage-report.file": _("Usage report filed"),
        "datarequest.create": _("Data request made"),
        "datarequest.support": _("Data request supported"),
        "datarequest.unsupport": _("Support of a data request withdrawn"),
        "datarequest.route": _("Data request routed"),
        "datarequest.close": _("Data request closed"),
        "datarequest.answer": _("Data request answered"),
    }
    return labels.get(action, action)


def role_label(role: str | None) -> str:
    if role == "system":  # the portal itself: a grant made on approval, a period run out
        return _("The portal")
    return accounts_messages.role_label(role) if role else ""


def object_label(kind: str | None) -> str:
    if not kind:
        return ""
    labels = {
        "dataset": _("Dataset"),
        "distribution": _("File"),
        "user": _("Account"),
        "account": _("Account"),
        "department": _("Department"),
        "harvest-source": _("Harvest source"),
        "harvest-job": _("Harvest job"),
        "api_token": _("API token"),
        "audit-log": _("Audit log"),
        "application": _("Application"),
        "delivery": _("Delivery"),
        "data-request": _("Data request"),
    }
    return labels.get(kind, kind)


def kind_label(kind: str) -> str:
    return accounts_messages.kind_label(kind)


def summary_label(action: str, summary: str | None) -> str:
    """A row's summary in words: the kind of a registered account, else as written."""
    if summary and action == "account.register":
        return kind_label(summary)
    if summary and summary == action.removeprefix("application."):
        return ""  # an application's act names its event again: the action says it
    if summary == "final" and action == "usage-report.file":
        return _("Final report")
    codes = {"unconfirmed": _("Account not confirmed"), "two-factor": _("At the second factor")}
    return codes.get(summary or "", summary or "")


def refusal(error: CatalogError) -> str:
    """Why an administration act was refused."""
    messages = {
        "forbidden": _("You may not do this."),
        "unknown-role": _("Choose a role."),
        "role-needs-department": _("A publisher or reviewer acts for a department: choose one."),
        "role-without-department": _("This role is for the whole platform: choose no department."),
        "unknown-department": _("There is no such department."),
        "unknown-user": _("There is no such account."),
        "already-erased": _("The account has been erased."),
        "own-admin-role": _("You cannot revoke your own administration."),
        "own-account": _("Erase your own account from your account page."),
        "unknown-licence": _("There is no such licence."),
    }
    return messages.get(error.code, error.message)
