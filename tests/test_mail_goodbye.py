"""A message the SMTP server accepted is sent, whatever its goodbye: retrying it would send a copy."""
from __future__ import annotations

import socketserver
import threading

import pytest

from assessor.jobs import mail


class _Server(socketserver.StreamRequestHandler):
    """Accepts every message, then answers QUIT with 421 (or drops the line) like a busy relay."""

    received: list[bytes] = []
    goodbye = "421 closing, busy"

    def handle(self):
        def say(text):
            self.wfile.write((text + "\r\n").encode())
        say("220 relay")
        data = False
        while line := self.rfile.readline():
            if data:
                if line in (b".\r\n", b".\n"):
                    data = False
                    self.received.append(line)
                    say("250 queued")
                continue
            command = line.decode().strip().upper()
            if command == "DATA":
                data = True
                say("354 go on")
            elif command == "QUIT":
                if self.goodbye:
                    say(self.goodbye)
                return
            else:
                say("250 ok")


@pytest.mark.parametrize("goodbye", ["421 closing, busy", None], ids=["QUIT answered 421", "line dropped"])
def test_a_message_the_server_accepted_is_not_a_failure(goodbye):
    _Server.received, _Server.goodbye = [], goodbye
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Server)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        smtp = mail.Settings("127.0.0.1", server.server_address[1], "", "", "a@example.org", "off", 2)
        mail.send(smtp, mail.message("a@example.org", "b@example.org", "Sujet", "texte", "<p>texte</p>", "fr"))
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Server.received) == 1
