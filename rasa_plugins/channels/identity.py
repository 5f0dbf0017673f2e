"""Verification of the customer identity tokens issued by the payments backend."""

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
        return subject

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
        try:
            return {VERIFIED_CUSTOMER_ID_KEY: self.customer_id(token)}
        except jwt.ExpiredSignatureError:
            return {IDENTITY_ERROR_KEY: IDENTITY_EXPIRED}
        except jwt.InvalidTokenError:
            return {IDENTITY_ERROR_KEY: IDENTITY_INVALID}
