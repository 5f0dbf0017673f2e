"""Request and response bodies of the desk's HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Reason = Literal[
    "customer_request",
    "complaint",
    "fraud",
    "dispute",
    "repeated_fallback",
    "form_validation_failed",
    "backend_unavailable",
]
Status = Literal["waiting", "claimed", "handed_back", "closed"]
Author = Literal["customer", "bot", "agent", "system"]


class Summary(BaseModel):
    """What the assistant learnt before the handover."""

    model_config = ConfigDict(extra="allow")

    intents: list[str] = Field(default_factory=list, max_length=100)
    slots: dict[str, Any] = Field(default_factory=dict)
    facts: dict[str, Any] = Field(default_factory=dict)
    last_message: str | None = Field(default=None, max_length=5000)


class TranscriptEntry(BaseModel):
    """One message of the conversation before the handover."""

    model_config = ConfigDict(extra="forbid")

    author: Literal["customer", "bot"]
    text: str = Field(max_length=5000)
    timestamp: float | None = None


class OpenTicket(BaseModel):
    """Body of ``POST /v1/tickets``."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(min_length=1, max_length=255)
    channel: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=64)
    language: str = Field(default="en", min_length=1, max_length=16)
    reason: Reason
    summary: Summary = Field(default_factory=Summary)
    transcript: list[TranscriptEntry] = Field(default_factory=list, max_length=500)


class OpenedTicket(BaseModel):
    """Answer of ``POST /v1/tickets``."""

    ticket_id: str
    status: Status
    created: bool
    queue_position: int
    expected_wait_minutes: int
    desk_open: bool
    next_open_at: datetime | None


class TicketOut(BaseModel):
    """A ticket as the console shows it."""

    ticket_id: str
    conversation_id: str
    status: Status
    reason: str
    channel: str | None
    customer_id: str | None
    language: str
    summary: dict[str, Any]
    claimed_by: str | None
    created_at: datetime
    queue_position: int
    last_message: str | None


class MessageOut(BaseModel):
    """One transcript entry."""

    seq: int
    author: Author
    text: str
    agent: str | None
    created_at: datetime


class Reply(BaseModel):
    """Body of ``POST /v1/tickets/{id}/messages``."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the reply is empty")
        return value


class Login(BaseModel):
    """Body of ``POST /v1/agents/login``."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class AgentOut(BaseModel):
    """An agent's public details."""

    username: str
    display_name: str


class LoginResult(BaseModel):
    """Answer of ``POST /v1/agents/login``."""

    token: str
    agent: AgentOut


class DeskStatus(BaseModel):
    """Answer of ``GET /v1/status``."""

    desk_open: bool
    next_open_at: datetime | None
    waiting: int
    agents_online: int


class Health(BaseModel):
    """Answer of ``GET /health``."""

    status: Literal["ok", "degraded"]
