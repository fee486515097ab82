"""A lab information system: `python -m extranet.lab.service SYSTEM=ADDRESS:PORT ...` (run inside a namespace).

Listens on every ADDRESS:PORT given and answers each connection with one line, the system id, then closes.
"""

import selectors
import socket
import sys


def listen(spec: str) -> tuple[socket.socket, bytes]:
    system, _, where = spec.partition("=")
    address, _, port = where.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, int(port)))
    sock.listen(64)
    return sock, f"{system}\n".encode()


def serve(specs: list[str]) -> None:
    selector = selectors.DefaultSelector()
    for spec in specs:
        sock, banner = listen(spec)
        selector.register(sock, selectors.EVENT_READ, banner)
    while True:
        for key, _ in selector.select():
            conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
            with conn:
                conn.sendall(key.data)


if __name__ == "__main__":
    serve(sys.argv[1:])
