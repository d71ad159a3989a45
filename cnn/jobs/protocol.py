"""What crosses the pipe between a TrainingJob (cnn/jobs/training_job.py, in the server) and its
training child (cnn/training/worker.py): both import this module, neither imports the other.

Protocol, one request and many reports, each a length-prefixed pickle:
- stdin: the request (kind, args, load_data); after it, any byte or the end of stdin means
  "stop after the current batch" (so a server that dies stops its training too);
- the original stdout: reports (tag, payload): ("progress", TrainProgress), ("snapshot",
  Snapshot), then exactly one of ("succeeded", card or report), ("cancelled", ""),
  ("mnist" | "refused" | "failed", why). Anything the libraries print goes to stderr instead.
Only the parent that started this process writes the request, so unpickling it is safe.
"""

import pickle
import struct

_LENGTH = struct.Struct("!Q")


def write_message(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_message(stream):
    """The next message, or None at the end of the stream (also when it ends mid-message)."""
    header = _read_exactly(stream, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    data = _read_exactly(stream, length)
    return None if data is None else pickle.loads(data)


def _read_exactly(stream, size: int) -> bytes | None:
    parts, wanted = [], size
    while wanted:
        part = stream.read(wanted)  # an unbuffered pipe may return less than asked
        if not part:
            return None
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)
