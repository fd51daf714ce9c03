"""The one owner of a cameo's status. Each change is a named transition made as one conditional
UPDATE on the row's current status, its row count checked, so that an owner revoking while a
reviewer verifies (or an enrollment finishing) cannot leave a revoked cameo verified.

    (new) | pending | revoked --start_enrollment--> pending
    pending --verify (liveness passed)--> verified
    held --verify (a reviewer kept it)--> verified
    pending | verified | held --hold (a public figure's face)--> held
    verified --take_out_of_use (a reviewer removed a clip with it)--> held --put_back_in_use (appeal)--> verified
    pending | held | verified --revoke (its owner, or a reviewer's rejection)--> revoked
    revoked --reopen (an appeal against a rejection)--> held
    verified --require_reverification (a reviewer, on a clip)--> pending --restore_verification (appeal)--> verified
    held --require_reverification (a reviewer, on its enrollment)--> pending --hold (appeal)--> held
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.errors import Conflict
from workbench.store.models import Cameo, CameoStatus, utcnow

PENDING, HELD, VERIFIED, REVOKED = CameoStatus.PENDING, CameoStatus.HELD, CameoStatus.VERIFIED, CameoStatus.REVOKED


def _change(session: Session, cameo: Cameo, expected: tuple[CameoStatus, ...], **values) -> bool:
    """Apply `values` if the cameo is still in one of the `expected` statuses; reload it."""
    changed = session.execute(update(Cameo).where(Cameo.id == cameo.id, Cameo.status.in_(expected)).values(**values)
                              .execution_options(synchronize_session=False)).rowcount == 1
    session.refresh(cameo)
    return changed


def _required(session: Session, cameo: Cameo, expected: tuple[CameoStatus, ...], doing: str, **values) -> None:
    if not _change(session, cameo, expected, **values):
        raise Conflict(f"the cameo @{cameo.handle} is {cameo.status.value}: it cannot be {doing} now")


def start_enrollment(session: Session, cameo: Cameo) -> None:
    _required(session, cameo, (PENDING, REVOKED), "enrolled again", status=PENDING)


def verify(session: Session, cameo: Cameo) -> None:
    _required(session, cameo, (PENDING, HELD), "verified", status=VERIFIED, verified_at=utcnow(), revoked_at=None)


def hold(session: Session, cameo: Cameo) -> None:
    _required(session, cameo, (PENDING, VERIFIED, HELD), "held for review", status=HELD)


def take_out_of_use(session: Session, cameo: Cameo) -> bool:
    """Hold a verified cameo for review: True if this call did, False if it is no longer verified (its
    owner revoked it a moment ago: it is out of use already)."""
    return _change(session, cameo, (VERIFIED,), status=HELD)


def put_back_in_use(session: Session, cameo: Cameo) -> bool:
    """Undo take_out_of_use: True if this call verified it again, False if it is no longer held."""
    return _change(session, cameo, (HELD,), status=VERIFIED, verified_at=utcnow(), revoked_at=None)


def revoke(session: Session, cameo: Cameo, *, only_from: tuple[CameoStatus, ...] = (PENDING, HELD, VERIFIED)) -> bool:
    """True if this call revoked it (from one of `only_from`), False if it already was (or was not in
    one of them)."""
    return _change(session, cameo, only_from, status=REVOKED, revoked_at=utcnow())


def reopen(session: Session, cameo: Cameo) -> None:
    _required(session, cameo, (REVOKED,), "reopened for review", status=HELD, revoked_at=None)


def require_reverification(session: Session, cameo: Cameo, *,
                           only_from: tuple[CameoStatus, ...] = (VERIFIED, HELD)) -> bool:
    """Send a person cameo back to enrollment: out of use until its owner passes the liveness check
    again. True if this call did, False if it was not in one of `only_from`."""
    return _change(session, cameo, only_from, status=PENDING)


def restore_verification(session: Session, cameo: Cameo) -> bool:
    """Undo require_reverification (an appeal): True if this call verified it again, False if it is no
    longer waiting for enrollment (its owner enrolled again, or revoked it)."""
    return _change(session, cameo, (PENDING,), status=VERIFIED, verified_at=utcnow(), revoked_at=None)
