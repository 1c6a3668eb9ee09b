"""Staff console accounts: ``assistant staff add|list|passwd|disable|enable|audit``.

The password is prompted (twice) unless STAFF_PASSWORD is set, for scripts."""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def _password(confirm: bool = True) -> str:
    given = os.environ.get("STAFF_PASSWORD")
    if given:
        return given
    first = getpass.getpass("密码 / password: ")
    if confirm and getpass.getpass("再输一次 / again: ") != first:
        raise SystemExit("passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    from claims.staff import StaffError, add_staff, audit

    try:
        staff = add_staff(args.name, args.role, _password())
    except StaffError as error:
        print(f"not added: {error}", file=sys.stderr)
        return 1
    audit("(command line)", "staff_add", staff.name, staff.role)
    print(f"{staff.name} ({staff.role}) added")
    return 0


def _list(args: argparse.Namespace) -> int:
    from claims.staff import list_staff

    for s in list_staff():
        state = "active" if s.active else "disabled"
        locked = f"  locked until {s.locked_until:%Y-%m-%d %H:%M}" if s.locked_until else ""
        last = f"{s.last_login_at:%Y-%m-%d %H:%M}" if s.last_login_at else "never"
        print(f"{s.name:<20} {s.role:<8} {state:<8} last login {last}{locked}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from claims.staff import StaffError, audit, set_password

    try:
        set_password(args.name, _password())
    except StaffError as error:
        print(f"not changed: {error}", file=sys.stderr)
        return 1
    audit("(command line)", "staff_passwd", args.name)
    print(f"password of {args.name} changed; their sessions are ended")
    return 0


def _active(active: bool):
    def run(args: argparse.Namespace) -> int:
        from claims.staff import StaffError, audit, set_active

        try:
            set_active(args.name, active)
        except StaffError as error:
            print(f"{error}", file=sys.stderr)
            return 1
        audit("(command line)", "staff_enable" if active else "staff_disable", args.name)
        print(f"{args.name} {'enabled' if active else 'disabled'}")
        return 0

    return run


def _audit(args: argparse.Namespace) -> int:
    from claims.staff import audit_log

    for e in reversed(audit_log(args.target, args.staff, args.limit)):
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.staff_name:<16} {e.action:<16} {e.target:<16} {e.detail}")
    return 0


def add_staff_parser(sub: argparse._SubParsersAction) -> None:
    from claims.staff import ROLES

    staff = sub.add_parser("staff", help="staff console accounts and the audit log")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    p = actions.add_parser("add", help="a new account (password prompted, or $STAFF_PASSWORD)")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.set_defaults(func=_with_schema(_add))
    p = actions.add_parser("list", help="accounts, roles, last login, lockouts")
    p.set_defaults(func=_with_schema(_list))
    p = actions.add_parser("passwd", help="set a new password (ends that person's sessions, lifts a lockout)")
    p.add_argument("name")
    p.set_defaults(func=_with_schema(_passwd))
    p = actions.add_parser("disable", help="no more logins; open sessions end")
    p.add_argument("name")
    p.set_defaults(func=_with_schema(_active(False)))
    p = actions.add_parser("enable", help="allow logins again")
    p.add_argument("name")
    p.set_defaults(func=_with_schema(_active(True)))
    p = actions.add_parser("audit", help="who viewed or changed what, newest last")
    p.add_argument("--target", help="a claim reference, handoff#N or document name")
    p.add_argument("--staff")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=_with_schema(_audit))


def _with_schema(handler):
    def run(args: argparse.Namespace) -> int:
        from claims.db import upgrade_to_head

        upgrade_to_head()
        return handler(args)

    return run
