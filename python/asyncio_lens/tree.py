"""`--tree`: the task tree (await tree and creation tree) printed to stderr at an interval and at exit."""

import os
import sys
import time

MAX_LINES = 40
MAX_DEPTH = 12


def _where(frame):
    if not frame:
        return "?"
    return "%s:%d %s" % (os.path.basename(frame["file"]), frame["line"], frame["function"])


class TreePrinter:
    def __init__(self, interval=2.0, stream=None):
        self.interval = interval
        self.stream = stream or sys.stderr
        self.loops = {}  # loop id -> {"tasks": {id: task}, "info": loop info}
        self.finished = {}  # id -> finished task, all loops
        self.findings = {}  # id -> latest version of the finding
        self.started = time.time()
        self.last_print = time.monotonic()
        self.last_busy = None  # (loop id, text) of the latest tree that had live tasks
        self.goodbye = None

    def _out(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:
            pass

    def feed(self, message):
        kind = message.get("type")
        if kind == "hello":
            self.started = message["startedAt"] / 1000.0
        elif kind == "snapshot":
            self._apply(message)
            if message["taskCount"]:
                self.last_busy = self.render_loop(message["loop"]["id"], message["time"] / 1000.0)
            if time.monotonic() - self.last_print >= self.interval and message["taskCount"]:
                self.last_print = time.monotonic()
                self._out(self.last_busy)
        elif kind == "finding":
            first = message["id"] not in self.findings
            self.findings[message["id"]] = message
            if first or not message.get("ongoing", False):
                self._out("asyncio-lens: %s: %s%s\n" % (
                    message["kind"], message["message"], self._at(message.get("location"))))
        elif kind == "goodbye":
            self.goodbye = message

    @staticmethod
    def _at(location):
        if not location:
            return ""
        return " [%s:%d]" % (location["file"], location["line"])

    def _apply(self, message):
        loop_id = message["loop"]["id"]
        view = self.loops.setdefault(loop_id, {"tasks": {}, "info": message["loop"]})
        view["info"] = message["loop"]
        tasks = view["tasks"]
        if message["full"]:
            tasks.clear()
        for task_id in message["removed"]:
            tasks.pop(task_id, None)
        for task in message["tasks"]:
            tasks[task["id"]] = task
        for task in message["finished"]:
            self.finished[task["id"]] = task
            tasks.pop(task["id"], None)

    # -- rendering ---------------------------------------------------------------------------------------------

    def _label(self, task, tasks):
        text = "%s %s() [%s] %s" % (task["name"], task["coro"], task["state"], _where(task.get("location")))
        if task.get("awaitingDetail"):
            text += "  waits: %s" % task["awaitingDetail"]
        return text

    def render_loop(self, loop_id, at):
        view = self.loops[loop_id]
        tasks = view["tasks"]
        info = view["info"]
        lines = [
            "\u2500\u2500 asyncio-lens  t=%.1fs  loop %d (%s)  %d live tasks  lag %.1f ms (max %.1f ms)\n" % (
                at - self.started, loop_id, info["thread"], len(tasks), info["lagMs"], info["maxLagMs"])
        ]
        lines.append("  await tree (who waits for whom):\n")
        awaited = {child for task in tasks.values() for child in task["awaiting"] if child in tasks}
        roots = [task for task in tasks.values() if task["id"] not in awaited]
        lines.extend(self._tree(roots, lambda t: [tasks[c] for c in t["awaiting"] if c in tasks],
                                lambda t: self._label(t, tasks)))
        lines.append("  creation tree (who created whom):\n")
        children = {}
        for task in tasks.values():
            children.setdefault(task["parent"], []).append(task)
        roots = [task for task in tasks.values() if task["parent"] not in tasks]

        def created_label(task):
            text = "%s %s()  created at %s" % (task["name"], task["coro"], _where(task.get("created")))
            if task["parent"] is not None and task["parent"] not in tasks:
                creator = self.finished.get(task["parent"])
                text += "  (creator %s, finished)" % (creator["name"] if creator else "#%d" % task["parent"])
            return text

        lines.extend(self._tree(roots, lambda t: children.get(t["id"], []), created_label))
        return "".join(lines)

    def _tree(self, roots, children_of, label):
        lines = []
        seen = set()
        omitted = [0]

        def groups(nodes):
            # Identical leaves (same label apart from the name) are shown once with a count.
            grouped = []
            index = {}
            for node in sorted(nodes, key=lambda t: t["id"]):
                leaf = not children_of(node)
                key = (node["coro"], _where(node.get("location")), node.get("awaitingDetail"), node["state"]) if leaf \
                    else ("id", node["id"])
                if key in index:
                    grouped[index[key]][1] += 1
                else:
                    index[key] = len(grouped)
                    grouped.append([node, 1])
            return grouped

        def walk(nodes, prefix, depth):
            items = groups(nodes)
            for position, (node, count) in enumerate(items):
                if len(lines) >= MAX_LINES:
                    omitted[0] += count
                    continue
                last = position == len(items) - 1
                branch = ("\u2514\u2500 " if last else "\u251c\u2500 ") if depth else ""
                text = label(node)
                if count > 1:
                    text = "%s  \u00d7%d" % (text, count)
                if node["id"] in seen:
                    lines.append("    %s%s%s (see above)\n" % (prefix, branch, node["name"]))
                    continue
                seen.add(node["id"])
                lines.append("    %s%s%s\n" % (prefix, branch, text))
                kids = children_of(node)
                if kids and depth < MAX_DEPTH:
                    walk(kids, prefix + (("   " if last else "\u2502  ") if depth else ""), depth + 1)

        walk(roots, "", 0)
        if not roots:
            lines.append("    (no live tasks)\n")
        if omitted[0]:
            lines.append("    \u2026 %d more\n" % omitted[0])
        return lines

    def finish(self):
        parts = ["\u2500\u2500 asyncio-lens: at exit\n"]
        if self.last_busy:
            parts.append("  last snapshot with live tasks:\n")
            parts.append(self.last_busy)
        by_kind = {}
        for finding in self.findings.values():
            by_kind.setdefault(finding["kind"], []).append(finding)
        if by_kind:
            parts.append("  findings (%d):\n" % len(self.findings))
            for kind in sorted(by_kind):
                for finding in by_kind[kind]:
                    parts.append("    %s: %s%s\n" % (kind, finding["message"], self._at(finding.get("location"))))
        else:
            parts.append("  no findings\n")
        failed = [t for t in self.finished.values() if t["state"] == "failed"]
        parts.append("  finished tasks seen: %d (%d failed, %d cancelled)\n" % (
            len(self.finished), len(failed), sum(1 for t in self.finished.values() if t["state"] == "cancelled")))
        if self.goodbye is not None:
            parts.append("  exit code %d\n" % self.goodbye["exitCode"])
        self._out("".join(parts))
