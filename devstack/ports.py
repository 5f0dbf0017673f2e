"""TCP port helpers: pick free ports, fail clearly on busy ones."""

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
