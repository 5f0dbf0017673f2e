"""TCP port helpers: pick free ports, fail clearly on busy ones."""

import random
import socket
from typing import Optional

from devstack.errors import PrerequisiteError

LOOPBACK = "127.0.0.1"


def find_free_port(host: str = LOOPBACK) -> int:
    """Returns a port that is free right now (the OS picks it).

    Args:
        host: Interface to probe.

    Returns:
        A free TCP port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def is_port_free(port: int) -> bool:
    """Tells whether a server could listen on `port` on every interface.

    Args:
        port: The TCP port.

    Returns:
        `False` when another socket is listening on it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Servers set SO_REUSEADDR too, so lingering TIME_WAIT connections do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def ensure_port_free(port: int, service: str, env_var: Optional[str] = None) -> None:
    """Raises a clear error when `port` is taken.

    Args:
        port: The TCP port the service will listen on.
        service: Human name of the service, e.g. "Rasa server".
        env_var: Environment variable that chooses another port, named in the hint.

    Raises:
        PrerequisiteError: The port is in use.
    """
    if is_port_free(port):
        return
    hint = "stop the other process"
    if env_var:
        hint += f" or set {env_var}"
    raise PrerequisiteError(f"port {port} ({service}) is already in use — {hint}")


#: Linux's default range of ports for outgoing connections (and `bind(port 0)`).
_EPHEMERAL_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
_DEFAULT_EPHEMERAL_LOW = 32768
#: Ports below this are left to well-known services.
_STABLE_LOW = 20000


def find_stable_port(host: str = LOOPBACK, attempts: int = 200) -> int:
    """Returns a free port below the ephemeral range.

    `find_free_port` returns an ephemeral port: on a machine opening many outgoing
    connections (load tests), one of them may take it as its local port before
    the service binds it ("address already in use"). Outgoing connections never
    use ports below the ephemeral range, so a port found there stays free.

    Args:
        host: Interface to probe.
        attempts: Random ports tried before falling back to `find_free_port`.

    Returns:
        A free TCP port number.
    """
    high = _ephemeral_low() - 1
    for _ in range(attempts):
        port = random.randint(_STABLE_LOW, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return find_free_port(host)


def _ephemeral_low() -> int:
    try:
        with open(_EPHEMERAL_RANGE_FILE, encoding="ascii") as ranges:
            low = int(ranges.read().split()[0])
    except (OSError, ValueError, IndexError):
        return _DEFAULT_EPHEMERAL_LOW
    return max(low, _STABLE_LOW + 1000)
