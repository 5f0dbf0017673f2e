"""Routes of the agents' console: the queue, a ticket, its transcript and actions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from agent_desk.deps import Services, get_handoff, get_services, require_agent
from agent_desk.handoff import Handoff
from agent_desk.schemas import MessageOut, Reply, TicketOut
from agent_desk.tickets import AgentInfo

router = APIRouter(prefix="/v1", tags=["console"])


@router.get("/queue", response_model=list[TicketOut], dependencies=[Depends(require_agent)])
def queue(services: Services = Depends(get_services)) -> list[TicketOut]:
    """Waiting tickets (oldest first), then claimed ones."""
    return services.store.queue()


@router.get("/tickets/{ticket_id}", response_model=TicketOut, dependencies=[Depends(require_agent)])
def ticket(ticket_id: str, services: Services = Depends(get_services)) -> TicketOut:
    """One ticket."""
    return services.store.get(ticket_id)


@router.get(
    "/tickets/{ticket_id}/messages",
    response_model=list[MessageOut],
    dependencies=[Depends(require_agent)],
)
def messages(
    ticket_id: str,
    after: int = Query(default=0, ge=0, description="Only entries with a larger seq."),
    services: Services = Depends(get_services),
) -> list[MessageOut]:
    """Transcript entries after ``after``, oldest first."""
    return services.store.messages(ticket_id, after)


@router.post("/tickets/{ticket_id}/claim", response_model=TicketOut)
async def claim(
    ticket_id: str,
    agent: AgentInfo = Depends(require_agent),
    handoff: Handoff = Depends(get_handoff),
) -> TicketOut:
    """Claim the ticket; the bot is paused and the customer told who joined."""
    return await handoff.claim(ticket_id, agent)


@router.post("/tickets/{ticket_id}/messages", response_model=MessageOut, status_code=201)
async def reply(
    ticket_id: str,
    body: Reply,
    agent: AgentInfo = Depends(require_agent),
    handoff: Handoff = Depends(get_handoff),
) -> MessageOut:
    """Send a reply to the customer (only the claiming agent)."""
    return await handoff.reply(ticket_id, agent, body.text)


@router.post("/tickets/{ticket_id}/handback", response_model=TicketOut)
async def hand_back(
    ticket_id: str,
    agent: AgentInfo = Depends(require_agent),
    handoff: Handoff = Depends(get_handoff),
) -> TicketOut:
    """Give the conversation back to the assistant."""
    return await handoff.hand_back(ticket_id, agent)


@router.post("/tickets/{ticket_id}/close", response_model=TicketOut)
async def close(
    ticket_id: str,
    agent: AgentInfo = Depends(require_agent),
    handoff: Handoff = Depends(get_handoff),
) -> TicketOut:
    """Close the ticket; the bot is resumed and says goodbye."""
    return await handoff.close(ticket_id, agent)
