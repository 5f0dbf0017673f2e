"""Verification of the customer identity tokens issued by the payments backend."""

import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import jwt

DEFAULT_AUDIENCE = "payments-assistant"
DEFAULT_ISSUER = "payments-backend"
ALGORITHM = "HS256"
BEARER_PREFIX = "bearer "

# Values of `identity_error` in the message metadata.
IDENTITY_EXPIRED = "expired"
IDENTITY_INVALID = "invalid"

# Metadata keys the actions read.
VERIFIED_CUSTOMER_ID_KEY = "verified_customer_id"
IDENTITY_ERROR_KEY = "identity_error"


@dataclass(frozen=True)
class VerifiedIdentity:
    """The claims of a verified token that matter to the assistant.

    Attributes:
        customer_id: The token's subject (`sub`).
        expires_at: The token's expiry (`exp`), in seconds since the epoch.
    """

    customer_id: str
    expires_at: float


@dataclass(frozen=True)
class IdentityCheck:
    """Outcome of checking an optional token: verified, anonymous or flagged.

    Attributes:
        identity: The verified identity, when the token was valid.
        error: `"expired"` or `"invalid"` for a rejected token.
    """

    identity: Optional[VerifiedIdentity] = None
    error: Optional[str] = None

    def metadata(self, now: float) -> Dict[str, Any]:
        """Returns the trusted message metadata at a point in time.

        Args:
            now: Current time in seconds since the epoch; a verified identity whose
                token has expired by then is reported as expired.

        Returns:
            `{"verified_customer_id": sub}` while the token is valid,
            `{"identity_error": "expired" | "invalid"}` for a rejected or expired
            token, `{}` for an anonymous visitor.
        """
        if self.identity is not None:
            # Same rule as PyJWT without leeway: expired once `exp <= now`.
            if self.identity.expires_at <= now:
                return {IDENTITY_ERROR_KEY: IDENTITY_EXPIRED}
            return {VERIFIED_CUSTOMER_ID_KEY: self.identity.customer_id}
        if self.error is not None:
            return {IDENTITY_ERROR_KEY: self.error}
        return {}


ANONYMOUS = IdentityCheck()


@dataclass(frozen=True)
class IdentityVerifier:
    """Checks a backend-issued JWT (HS256: signature, `exp`, `iss`, `aud`, `sub`).

    Attributes:
        signing_key: Shared HS256 key (`IDENTITY_SIGNING_KEY` of the backend).
        audience: Expected `aud` claim.
        issuer: Expected `iss` claim.
    """

    signing_key: str
    audience: str = DEFAULT_AUDIENCE
    issuer: str = DEFAULT_ISSUER

    def verify(self, token: str) -> VerifiedIdentity:
        """Returns the verified identity carried by a token.

        Args:
            token: The encoded JWT.

        Returns:
            The subject and expiry of the token.

        Raises:
            jwt.ExpiredSignatureError: The token has expired.
            jwt.InvalidTokenError: The token is malformed, forged, for another
                audience or issuer, or has no subject.
        """
        claims = jwt.decode(
            token,
            self.signing_key,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise jwt.InvalidTokenError("token has no customer id")
        return VerifiedIdentity(customer_id=subject, expires_at=float(claims["exp"]))

    def customer_id(self, token: str) -> str:
        """Returns the verified customer id (`sub`) of a token.

        Args:
            token: The encoded JWT.

        Returns:
            The `sub` claim.

        Raises:
            jwt.ExpiredSignatureError: The token has expired.
            jwt.InvalidTokenError: The token is malformed, forged, for another
                audience or issuer, or has no subject.
        """
        return self.verify(token).customer_id

    def check(self, token: Any) -> IdentityCheck:
        """Checks a token that a client may or may not have sent.

        Args:
            token: The encoded JWT; `None` or an empty string for no token.

        Returns:
            `ANONYMOUS` without a token, a verified identity for a valid one, and
            an `expired` or `invalid` flag otherwise (also for a non-string token).
        """
        if token is None or (isinstance(token, str) and not token.strip()):
            return ANONYMOUS
        if not isinstance(token, str):
            return IdentityCheck(error=IDENTITY_INVALID)
        try:
            return IdentityCheck(identity=self.verify(token.strip()))
        except jwt.ExpiredSignatureError:
            return IdentityCheck(error=IDENTITY_EXPIRED)
        except jwt.InvalidTokenError:
            return IdentityCheck(error=IDENTITY_INVALID)

    def metadata_for(self, authorization: Optional[str]) -> Dict[str, Any]:
        """Turns an `Authorization` header into trusted message metadata.

        Args:
            authorization: The raw header value, or `None` when absent.

        Returns:
            `{"verified_customer_id": sub}` for a valid bearer token, `{}` without
            a header, `{"identity_error": "expired" | "invalid"}` otherwise.
        """
        if authorization is None or not authorization.strip():
            return {}
        value = authorization.strip()
        if not value.lower().startswith(BEARER_PREFIX):
            return {IDENTITY_ERROR_KEY: IDENTITY_INVALID}
        token = value[len(BEARER_PREFIX) :].strip()
        if not token:
            return {IDENTITY_ERROR_KEY: IDENTITY_INVALID}
        return self.check(token).metadata(now=time.time())
