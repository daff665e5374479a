"""Refuse to start on a port that something else already holds, and say who holds it."""

from __future__ import annotations

import socket

import psutil


class PortTakenError(RuntimeError):
    pass


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same option the servers set: a port with only TIME_WAIT leftovers is usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def describe_listener(port: int) -> str:
    """Best effort: 'pid 123 (java)' for whoever listens on the port."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return "another process"
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            if connection.pid is None:
                return "another process"
            try:
                return f"pid {connection.pid} ({psutil.Process(connection.pid).name()})"
            except psutil.Error:
                return f"pid {connection.pid}"
    return "another process"


def ensure_port_free(host: str, port: int, wanted_by: str) -> None:
    if not port_is_free(host, port):
        raise PortTakenError(
            f"port {port} on {host}, needed by {wanted_by}, is already in use by {describe_listener(port)} "
            f"that this runtime did not start; stop it or move {wanted_by} to another port (see unefois_deploy.config)"
        )
