"""An event broker that masks secrets before the broker it wraps publishes anything.

`endpoints.yml`::

    event_broker:
      type: rasa_plugins.stores.broker.MaskingEventBroker
      wrapped:             # any event broker configuration Rasa accepts
        type: pika
        url: 127.0.0.1
        username: guest
        password: guest
        queues: [rasa_events]

With `MaskingTrackerStore` the events reaching a broker are already masked; this
wrapper also covers a broker fed by anything else (`rasa export`, a tracker store
configured without the mask) and masks again at no risk: masking is idempotent.
"""

import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.stores.events import mask_event
from redaction.logs import install_log_masking

logger = logging.getLogger(__name__)


class MaskingEventBroker(EventBroker):
    """Publishes masked events through the wrapped broker."""

    def __init__(self, inner: EventBroker) -> None:
        """Wraps a broker.

        Args:
            inner: The broker that really publishes.
        """
        self._inner = inner

    @property
    def wrapped(self) -> EventBroker:
        """The broker that publishes the masked events."""
        return self._inner

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> "MaskingEventBroker":
        """Creates the wrapped broker from the `wrapped:` block of the endpoint.

        Args:
            broker_config: The `event_broker` endpoint; `wrapped` holds the inner
                broker's configuration, `mask_logs` (default true) whether to mask
                this process's logs too.
            event_loop: The server's event loop, passed on to the wrapped broker.

        Returns:
            The wrapper.

        Raises:
            ValueError: `wrapped` is missing.
            RuntimeError: The wrapped broker cannot be built. (Rasa runs without a
                broker when a type is unknown or a custom broker raises
                `AttributeError` or `ImportError`; this error stops it instead.)
        """
        kwargs = dict(broker_config.kwargs)
        wrapped = kwargs.pop("wrapped", None)
        if not isinstance(wrapped, dict):
            raise ValueError(
                "MaskingEventBroker needs a `wrapped:` block: the event broker to publish with."
            )
        if kwargs.pop("mask_logs", True):
            install_log_masking()
        try:
            inner = await EventBroker.create(EndpointConfig.from_dict(wrapped), event_loop)
        except (AttributeError, ImportError) as error:
            raise RuntimeError(f"MaskingEventBroker: cannot create {wrapped!r}.") from error
        if inner is None:  # Rasa only warns about an unknown type and runs without one
            raise RuntimeError(f"MaskingEventBroker: cannot create {wrapped!r} (unknown type?).")
        logger.debug("Masking secrets before %s.", type(inner).__name__)
        return cls(inner)

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Publishes a masked copy of `event`.

        Args:
            event: The event (`Event.as_dict()` with `sender_id`).
            headers: Message headers, for brokers taking them (pika, kafka).
        """
        masked = mask_event(event)
        if headers is None:
            self._inner.publish(masked)
        else:
            self._inner.publish(masked, headers=headers)  # type: ignore[call-arg]

    def is_ready(self) -> bool:
        """Whether the wrapped broker is ready."""
        return self._inner.is_ready()

    async def close(self) -> None:
        """Closes the wrapped broker."""
        await self._inner.close()
