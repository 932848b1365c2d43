"""Frame and coroutine-chain helpers shared by the task inspector, the watchdog and the findings."""

import asyncio
import dis
import os
import sys
import sysconfig
import types

_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_RUNPY = os.path.abspath(sys.modules["runpy"].__file__ if "runpy" in sys.modules else "runpy.py")


def _library_prefixes():
    paths = sysconfig.get_paths()
    found = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            found.add(os.path.abspath(paths[key]) + os.sep)
    return tuple(sorted(found))


_LIBRARY_PREFIXES = _library_prefixes()

# Filename classification is cached per filename string: there are few distinct files and this runs per task.
_internal_cache = {}
_library_cache = {}


def is_internal(filename):
    """True for asyncio's own files and the adapter's: frames that are never a task's "creation site"."""
    hit = _internal_cache.get(filename)
    if hit is None:
        hit = (filename.startswith(_ASYNCIO_DIR) or filename.startswith(_OWN_DIR) or filename == _RUNPY
               or filename == "<frozen runpy>")
        _internal_cache[filename] = hit
    return hit


def is_library(filename):
    """True for the standard library, site-packages, frozen modules and the adapter (not the program's code)."""
    hit = _library_cache.get(filename)
    if hit is None:
        hit = (
            is_internal(filename)
            or filename.startswith("<")
            or filename.startswith(_LIBRARY_PREFIXES)
        )
        _library_cache[filename] = hit
    return hit


_lines = {}  # (code, instruction offset) -> line


def line_at(code, offset):
    """The line of the instruction at byte `offset` (a frame's f_lasti) in `code`: what f_lineno would have said.
    The create_task hook stores f_lasti, which is cheap, instead of f_lineno, which decodes the line table."""
    key = (code, offset)
    line = _lines.get(key)
    if line is None:
        if hasattr(code, "co_lines"):  # 3.10+
            for start, end, line in code.co_lines():
                if start <= offset < end:
                    break
            else:
                line = None
        else:
            for start, start_line in dis.findlinestarts(code):
                if start > offset:
                    break
                line = start_line
        line = line or code.co_firstlineno
        _lines[key] = line
    return line


def frame_info(frame):
    code = frame.f_code
    return (code.co_filename, frame.f_lineno, code.co_name)


def first_outside_asyncio(frame):
    """The first frame, walking outwards, that is neither asyncio's nor the adapter's."""
    while frame is not None and is_internal(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def outer_stack(frame, limit=64):
    """Frames from `frame` outwards as (file, line, function), returned outermost first."""
    frames = []
    while frame is not None and len(frames) < limit:
        frames.append(frame_info(frame))
        frame = frame.f_back
    frames.reverse()
    return frames


_CoroutineType = types.CoroutineType
_GeneratorType = types.GeneratorType
_AsyncGeneratorType = types.AsyncGeneratorType


def coroutine_frames(coro, limit):
    """Follows cr_await / gi_yieldfrom / ag_await from a task's coroutine to the innermost suspended one.

    Returns (frames outermost first, leaf awaitable that is not a coroutine or None). `Task.get_stack()` would give only
    the outermost frame of a suspended task."""
    frames = []
    while coro is not None and len(frames) < limit:
        kind = type(coro)
        if kind is _CoroutineType:
            frame, nxt = coro.cr_frame, coro.cr_await
        elif kind is _GeneratorType:
            frame, nxt = coro.gi_frame, coro.gi_yieldfrom
        elif kind is _AsyncGeneratorType:
            frame, nxt = coro.ag_frame, coro.ag_await
        elif hasattr(coro, "cr_frame"):  # coroutine-like objects from other implementations (e.g. Cython)
            frame, nxt = coro.cr_frame, getattr(coro, "cr_await", None)
        else:
            return frames, coro
        if frame is None:
            return frames, None
        frames.append(frame)
        coro = nxt
    return frames, None


def origin_stack(origin):
    """cr_origin ((file, line, function) innermost first) -> outermost-first list, and the site outside asyncio."""
    if not origin:
        return [], None
    site = None
    for entry in origin:
        if not is_internal(entry[0]):
            site = entry
            break
    return list(reversed(origin)), site or origin[0]


def frame_dict(info):
    return {"file": info[0], "line": info[1], "function": info[2]}


def traceback_location(exc):
    """Innermost (file, line, function) of an exception's traceback, or None."""
    tb = getattr(exc, "__traceback__", None)
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return None
    return frame_info(last.tb_frame)[:1] + (last.tb_lineno, last.tb_frame.f_code.co_name)


def safe_repr(value, limit=120):
    """repr() for builtin values only: a result's own __repr__ could be slow or have side effects."""
    kind = type(value)
    if value is None or kind in (bool, int, float, complex):
        text = repr(value)
    elif kind in (str, bytes):
        text = repr(value[: limit + 1])
    elif kind in (list, tuple, set, frozenset, dict):
        text = "<%s of %d items>" % (kind.__name__, len(value))
    else:
        text = "<%s object>" % (kind.__qualname__,)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def exception_summary(exc):
    if exc is None:
        return None
    location = traceback_location(exc)
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not break the adapter
        message = "<unprintable>"
    return {
        "type": type(exc).__qualname__,
        "message": message[:500],
        "location": frame_dict(location) if location else None,
    }
