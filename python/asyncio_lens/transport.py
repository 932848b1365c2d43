"""Loopback connection to the client (token handshake), and the sender thread that writes every message to the client,
the --record file and the terminal tree.

Producers only ever put into a queue.SimpleQueue, whose put() is reentrant: findings are emitted from finalizers and
the garbage collector, which may run inside any code, including ours while it holds a lock, so taking a lock there
could deadlock."""

import hashlib
import hmac
import ipaddress
import json
import queue
import secrets
import socket
import sys
import threading

from asyncio_lens import PROTOCOL_VERSION

ENV_HOST = "ASYNCIO_LENS_HOST"
ENV_PORT = "ASYNCIO_LENS_PORT"
ENV_SOCKET = "ASYNCIO_LENS_SOCKET"
ENV_TOKEN = "ASYNCIO_LENS_TOKEN"

HANDSHAKE_TIMEOUT = 3.0
SEND_TIMEOUT = 5.0
MAX_LINE = 64 * 1024
MAX_QUEUED = 100_000
CHUNK = 100  # tasks encoded per json.dumps call, so the sender never holds the GIL long


def warn(text):
    try:
        sys.stderr.write("asyncio-lens: %s\n" % text)
        sys.stderr.flush()
    except Exception:
        pass


class HandshakeError(Exception):
    pass


def proof(token, role, nonce):
    return hmac.new(token.encode("utf-8"), ("%s:%s" % (role, nonce)).encode("utf-8"), hashlib.sha256).hexdigest()


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def take_client_settings(environ):
    """Reads and removes the connection variables (so the program's subprocesses do not inherit the token).
    Returns (address, family, token) or None when no client was configured; raises ValueError when misconfigured."""
    token = environ.pop(ENV_TOKEN, None)
    host = environ.pop(ENV_HOST, None)
    port = environ.pop(ENV_PORT, None)
    path = environ.pop(ENV_SOCKET, None)
    if token is None and port is None and path is None:
        return None
    if not token:
        raise ValueError("%s is required to connect to a client" % ENV_TOKEN)
    if path:
        if not hasattr(socket, "AF_UNIX"):
            raise ValueError("Unix sockets are not available on this platform")
        return path, socket.AF_UNIX, token
    host = host or "127.0.0.1"
    if not _is_loopback(host):
        raise ValueError("refusing non-loopback client address %r" % host)
    try:
        port_number = int(port or "")
    except ValueError:
        raise ValueError("invalid %s %r" % (ENV_PORT, port)) from None
    if not 0 < port_number < 65536:
        raise ValueError("invalid %s %r" % (ENV_PORT, port))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return (host, port_number), family, token


class LineReader:
    """Reads newline-terminated lines of at most MAX_LINE bytes from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def readline(self):
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise ValueError("line longer than %d bytes" % MAX_LINE)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        if len(line) > MAX_LINE:
            raise ValueError("line longer than %d bytes" % MAX_LINE)
        return line


def _send_json(sock, message):
    sock.sendall((json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8"))


def connect_and_authenticate(address, family, token):
    """Connects, challenges the client, checks its HMAC proof. Returns (socket, reader, client nonce).
    Nothing about the program is sent before the proof is checked."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(HANDSHAKE_TIMEOUT)
    try:
        sock.connect(address)
        nonce = secrets.token_hex(16)
        _send_json(sock, {"type": "challenge", "protocol": PROTOCOL_VERSION, "nonce": nonce})
        reader = LineReader(sock)
        try:
            line = reader.readline()
        except socket.timeout:
            raise HandshakeError("no answer to the challenge within %.0f s" % HANDSHAKE_TIMEOUT) from None
        if line is None:
            raise HandshakeError("client closed the connection during the handshake")
        try:
            answer = json.loads(line.decode("utf-8"))
        except ValueError:
            raise HandshakeError("handshake answer is not JSON") from None
        if not isinstance(answer, dict) or answer.get("type") != "auth":
            raise HandshakeError("expected an auth message")
        if answer.get("protocol") != PROTOCOL_VERSION:
            raise HandshakeError("client speaks protocol %r, adapter %d" % (answer.get("protocol"), PROTOCOL_VERSION))
        client_proof = answer.get("proof")
        client_nonce = answer.get("nonce")
        if not isinstance(client_proof, str) or not isinstance(client_nonce, str) or not 8 <= len(client_nonce) <= 256:
            raise HandshakeError("malformed auth message")
        if not hmac.compare_digest(client_proof, proof(token, "client", nonce)):
            raise HandshakeError("authentication failed: wrong token")
        sock.settimeout(SEND_TIMEOUT)
        return sock, reader, client_nonce
    except HandshakeError:
        try:
            _send_json(sock, {"type": "error", "message": "authentication failed"})
        except OSError:
            pass
        sock.close()
        raise
    except BaseException:
        sock.close()
        raise


def encode(message):
    return json.dumps(message, separators=(",", ":")) + "\n"


def encode_items(head, lists):
    """One JSON line of `head` plus lists converted and encoded CHUNK items at a time (a json.dumps call holds the
    GIL throughout, so one call per huge list would stall the event loop). lists: [(key, raw items, to_dict)]."""
    parts = [json.dumps(head, separators=(",", ":"))[:-1]]
    for key, items, to_dict in lists:
        chunks = []
        for start in range(0, len(items), CHUNK):
            chunk = [to_dict(item) for item in items[start : start + CHUNK]]
            chunks.append(json.dumps(chunk, separators=(",", ":"))[1:-1])
        parts.append(',"%s":[%s]' % (key, ",".join(chunks)))
    parts.append("}\n")
    return "".join(parts)


_CLOSE = object()  # queued by close(): the sender thread stops when it reaches it


class Channel:
    """Outgoing messages. emit() is safe from any thread and from finalizers; a daemon thread does the writing (it
    sleeps in the queue until there is something to write, instead of waking up to poll)."""

    def __init__(self, record_path=None, tree=None):
        self.queue = queue.SimpleQueue()
        self.dropped = 0
        self.sock = None
        self.record = None
        self.tree = tree
        self.lost = None
        self.thread = None
        if record_path:
            # Opened before the program runs (it may chdir); line-per-message, flushed when the queue drains.
            self.record = open(record_path, "w", encoding="utf-8")

    def start(self):
        self.thread = threading.Thread(target=self._run, name="asyncio-lens-sender", daemon=True)
        self.thread.start()

    def emit(self, message):
        if self.queue.qsize() >= MAX_QUEUED:
            self.dropped += 1
            return
        self.queue.put(message)

    def backlog(self):
        return self.queue.qsize()

    @property
    def connected(self):
        return self.sock is not None

    def send_now(self, message):
        """Writes synchronously (hello, before the sender starts)."""
        self._write(message)

    def attach(self, sock):
        self.sock = sock

    def client_lost(self, reason):
        """Reader thread: the client went away. Only the sender thread closes the socket (closing it under a
        concurrent sendall could stall that call)."""
        self.lost = reason

    def drop_client(self, reason=None):
        sock, self.sock = self.sock, None
        if sock is not None:
            if reason:
                warn("live client disconnected (%s); the program continues" % reason)
            try:
                sock.close()
            except OSError:
                pass

    def _write(self, item):
        """`item`: a message dict, or a payload with encode(encode_items) and materialize() (snapshots)."""
        if self.lost is not None and self.sock is not None:
            self.drop_client(self.lost)
        sock = self.sock
        message = item if isinstance(item, dict) else None
        line = None
        if sock is not None or self.record is not None:
            line = encode(message) if message is not None else item.encode(encode_items)
        if sock is not None:
            try:
                sock.sendall(line.encode("utf-8"))
            except (OSError, socket.timeout) as error:
                self.drop_client(error.__class__.__name__)
        if self.record is not None:
            if message is not None and message.get("type") == "hello":
                line = encode(dict(message, proof=None))
            try:
                self.record.write(line)
            except OSError as error:
                warn("cannot write the recording (%s); recording stopped" % error)
                self.record = None
        if self.tree is not None:
            self.tree.feed(message if message is not None else item.materialize())

    def _run(self):
        messages = self.queue
        while True:
            try:
                item = messages.get_nowait()
            except queue.Empty:
                if self.record is not None:
                    try:
                        self.record.flush()
                    except OSError:
                        pass
                item = messages.get()
            if item is _CLOSE:
                return
            try:
                self._write(item)
            except Exception as error:  # never let one bad message stop the stream
                warn("could not send a message: %r" % (error,))

    def close(self, timeout=5.0):
        """Drains the queue (bounded by `timeout`), then closes the client and the recording."""
        self.queue.put(_CLOSE)
        if self.thread is not None:
            self.thread.join(timeout)
        self.drop_client()
        if self.record is not None:
            try:
                self.record.close()
            except OSError:
                pass
            self.record = None
        if self.tree is not None:
            self.tree.finish()


COMMANDS = ("cancel-task", "pause", "resume", "set-interval", "get-task-stack", "request-snapshot")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_command(message):
    """Returns (command dict, None) or (None, error text). Commands are plain data; nothing is evaluated."""
    if not isinstance(message, dict):
        return None, "a command must be a JSON object"
    kind = message.get("type")
    if kind not in COMMANDS:
        return None, "unknown command type %r" % (kind,)
    if not _is_int(message.get("requestId")):
        return None, "%s: requestId must be an integer" % kind
    if kind in ("cancel-task", "get-task-stack") and not _is_int(message.get("taskId")):
        return None, "%s: taskId must be an integer" % kind
    if kind == "cancel-task" and "message" in message:
        text = message["message"]
        if not isinstance(text, str) or len(text) > 1000:
            return None, "cancel-task: message must be a string of at most 1000 characters"
    if kind == "set-interval":
        value = message.get("intervalMs")
        if not _is_int(value) or not 50 <= value <= 60000:
            return None, "set-interval: intervalMs must be an integer from 50 to 60000"
    return message, None


def serve_commands(reader, channel, handle):
    """Reader thread body: parses and validates client lines and hands valid commands to `handle`."""
    while True:
        if channel.sock is None or channel.lost is not None:
            return
        try:
            line = reader.readline()
        except socket.timeout:
            continue
        except (OSError, ValueError) as error:
            channel.client_lost(str(error) or error.__class__.__name__)
            return
        if line is None:
            channel.client_lost("connection closed")
            return
        if not line.strip():
            continue
        try:
            message = json.loads(line.decode("utf-8"))
        except ValueError:
            channel.emit({"type": "error", "message": "command is not valid JSON", "requestId": None})
            continue
        command, error = validate_command(message)
        if error is not None:
            request_id = message.get("requestId") if isinstance(message, dict) else None
            channel.emit({"type": "error", "message": error, "requestId": request_id if _is_int(request_id) else None})
            continue
        try:
            handle(command)
        except Exception as failure:
            channel.emit({
                "type": "reply", "requestId": command["requestId"], "command": command["type"],
                "ok": False, "error": "internal error: %r" % (failure,),
            })


def start_reader(reader, channel, handle):
    thread = threading.Thread(
        target=serve_commands, args=(reader, channel, handle), name="asyncio-lens-commands", daemon=True
    )
    thread.start()
    return thread
