"""Idempotent POSTs: the first response to a key is stored and replayed.

A request is identified by (scope, key) where scope is the customer (or ``login``).
Its fingerprint is an HMAC of method, path and canonical body: the same key with a
different request is refused (422 ``idempotency_key_reused``), the same key while
the first request still runs gets 409 ``idempotency_in_progress``.

The reservation is committed in its own short transaction; the business changes
and the stored response are committed together in the request's transaction, so a
replayed response always matches what was written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from payments_backend.clock import Clock
from payments_backend.errors import ApiError
from payments_backend.models import IdempotencyRecord

IN_PROGRESS, COMPLETED = "in_progress", "completed"
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredResponse:
    """A response kept for replay."""

    status_code: int
    body: Any


Handler = Callable[[], tuple[int, BaseModel | dict[str, Any]]]


def request_fingerprint(secret: str, method: str, path: str, body: Any) -> str:
    """Fingerprint a request; keyed so stored values reveal nothing (e.g. passwords).

    Args:
        secret: Server-side HMAC key.
        method: HTTP method.
        path: Request path.
        body: Parsed body (JSON-ready) or None.

    Returns:
        Hex HMAC-SHA256 of the canonical request.
    """
    canonical = json.dumps(
        {"method": method, "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class IdempotencyStore:
    """Reserves keys, stores responses, and replays them."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        retention: timedelta = timedelta(hours=24),
        stale_after: timedelta = timedelta(minutes=5),
    ) -> None:
        """Create the store.

        Args:
            session_factory: Factory for the reservation transactions.
            clock: Time source.
            retention: How long a completed response is replayed.
            stale_after: After this, an unfinished reservation is considered dead
                (its process crashed) and may be taken over.
        """
        self._session_factory = session_factory
        self._clock = clock
        self._retention = retention
        self._stale_after = stale_after

    def reserve(self, scope: str, key: str, fingerprint: str) -> StoredResponse | None:
        """Reserve a key, or return the stored response to replay.

        Args:
            scope: Customer id or ``login``.
            key: The client's Idempotency-Key.
            fingerprint: The request fingerprint.

        Returns:
            None when the caller now owns the key and must run the request, else
            the stored response.

        Raises:
            ApiError: 422 ``idempotency_key_reused`` or 409 ``idempotency_in_progress``.
        """
        for _attempt in range(3):
            with self._session_factory() as session:
                record = session.scalar(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
                    )
                )
                now = self._clock.now()
                if record is not None and now - record.created_at > self._retention:
                    session.delete(record)
                    session.commit()
                    record = None
                if record is None:
                    session.add(
                        IdempotencyRecord(
                            scope=scope,
                            key=key,
                            fingerprint=fingerprint,
                            state=IN_PROGRESS,
                            created_at=now,
                        )
                    )
                    try:
                        session.commit()
                    except IntegrityError:
                        session.rollback()  # a concurrent request won the insert
                        continue
                    return None
                if not hmac.compare_digest(record.fingerprint, fingerprint):
                    raise ApiError(
                        422,
                        "idempotency_key_reused",
                        "This Idempotency-Key was already used for a different request.",
                    )
                if record.state == COMPLETED:
                    return StoredResponse(
                        record.response_status or 200,
                        json.loads(record.response_body or "null"),
                    )
                if now - record.created_at <= self._stale_after:
                    raise ApiError(
                        409,
                        "idempotency_in_progress",
                        "A request with this Idempotency-Key is still being processed.",
                    )
                record.created_at = now  # take over a reservation whose owner died
                session.commit()
                return None
        raise ApiError(409, "idempotency_in_progress", "The Idempotency-Key is contended; retry.")

    def complete(self, session: Session, scope: str, key: str, response: StoredResponse) -> None:
        """Store the response in ``session`` and commit it with the business changes.

        Args:
            session: The request's session holding the business changes.
            scope: Reservation scope.
            key: Reservation key.
            response: What to replay from now on.
        """
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            .values(
                state=COMPLETED,
                response_status=response.status_code,
                response_body=json.dumps(response.body),
            )
        )
        session.commit()

    def release(self, scope: str, key: str) -> None:
        """Drop a reservation whose request failed unexpectedly, so it can be retried.

        Args:
            scope: Reservation scope.
            key: Reservation key.
        """
        with self._session_factory() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.state == IN_PROGRESS,
                )
            )
            session.commit()

    def execute(
        self,
        session: Session,
        scope: str,
        key: str,
        fingerprint: str,
        handler: Handler,
    ) -> JSONResponse:
        """Run ``handler`` at most once per key and answer (or replay) its response.

        Business errors (:class:`ApiError`) are stored and replayed like successes;
        their changes are rolled back unless the error says to keep them.

        Args:
            session: The request's session (used by ``handler``).
            scope: Customer id or ``login``.
            key: The Idempotency-Key.
            fingerprint: The request fingerprint.
            handler: Does the work and returns (status code, body).

        Returns:
            The JSON response.
        """
        stored = self.reserve(scope, key, fingerprint)
        if stored is not None:
            return JSONResponse(
                stored.body, status_code=stored.status_code, headers={REPLAY_HEADER: "true"}
            )
        try:
            try:
                status_code, body = handler()
                payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
            except ApiError as error:
                if not error.keep_changes:
                    session.rollback()
                status_code, payload = error.status_code, error.envelope()
            self.complete(session, scope, key, StoredResponse(status_code, payload))
        except BaseException:
            session.rollback()
            self.release(scope, key)
            raise
        return JSONResponse(payload, status_code=status_code)
