"""Runs a store's blocking client calls off the event loop, each within a deadline.

Rasa's SQL tracker store and Redis lock store call their (synchronous) database
clients on the server's event loop: while PostgreSQL or Redis is slow or gone,
every conversation of the process waits, and the channels' reply deadline cannot
even fire. The project's stores run those calls here instead: in a small pool
of threads of their own (a hanging database cannot starve the loop's default
executor), and the caller stops waiting at the deadline.

The threads are daemon threads: a call stuck on a frozen database (a socket
that never answers) must not keep the Rasa process from exiting, which the
standard library's `ThreadPoolExecutor` would (it joins its threads at exit).
"""

import asyncio
import functools
import queue
import threading
from typing import Any, Callable, List, Optional, Tuple, TypeVar

T = TypeVar("T")

_Job = Tuple[Callable[[], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop]


class OffloadTimeout(TimeoutError):
    """A blocking call did not finish within its deadline."""


class Offloader:
    """A named pool of daemon threads with a per-call deadline.

    Attributes:
        name: Names the threads and the errors (e.g. `sql-tracker-store`).
        timeout_seconds: How long a caller waits for one call.
    """

    def __init__(self, name: str, max_workers: int, timeout_seconds: float) -> None:
        """Creates the pool (threads start on first use).

        Args:
            name: Names the threads and the errors.
            max_workers: Calls running at the same time; more wait their turn.
            timeout_seconds: How long a caller waits for one call (queueing
                included).

        Raises:
            ValueError: `max_workers` or `timeout_seconds` is not positive.
        """
        if max_workers < 1 or timeout_seconds <= 0:
            raise ValueError("max_workers and timeout_seconds must be positive.")
        self.name = name
        self.timeout_seconds = timeout_seconds
        self._max_workers = max_workers
        self._jobs: "queue.SimpleQueue[Optional[_Job]]" = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    async def run(
        self, function: Callable[..., T], *args: Any, timeout: Optional[float] = None
    ) -> T:
        """Runs `function(*args)` in the pool and waits for it up to the deadline.

        A call still running at the deadline goes on in its thread (a thread
        cannot be interrupted); the database client's own socket timeouts end it.

        Args:
            function: The blocking call.
            *args: Its arguments.
            timeout: Deadline of this call; `timeout_seconds` by default.

        Returns:
            What the call returned.

        Raises:
            OffloadTimeout: The deadline passed.
            RuntimeError: The pool was shut down.
            Exception: Whatever the call raised.
        """
        if self._closed:
            raise RuntimeError(f"{self.name}: shut down.")
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[T]" = loop.create_future()
        self._submit((functools.partial(function, *args), future, loop))
        deadline = self.timeout_seconds if timeout is None else timeout
        try:
            return await asyncio.wait_for(future, deadline)
        except asyncio.TimeoutError:
            raise OffloadTimeout(f"{self.name}: no answer within {deadline:g} s.") from None

    def shutdown(self) -> None:
        """Lets the threads end once their calls return; new calls are refused."""
        self._closed = True
        with self._lock:
            threads = len(self._threads)
        for _ in range(threads):
            self._jobs.put(None)

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            if self._idle:
                self._idle -= 1  # an idle thread takes this job
            elif len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            # else every thread is busy: the job waits for the first one free
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            function, future, loop = job
            try:
                result: Any = function()
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                _settle(loop, future, error=error)
            else:
                _settle(loop, future, result=result)
            finally:
                with self._lock:
                    self._idle += 1


def _settle(
    loop: asyncio.AbstractEventLoop,
    future: "asyncio.Future[Any]",
    result: Any = None,
    error: Optional[BaseException] = None,
) -> None:
    """Completes the caller's future on its loop (unless it gave up meanwhile)."""

    def complete() -> None:
        if future.done():  # the caller's deadline passed
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(complete)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass
