#!/usr/bin/env python3
"""Execute one notebook headless with nbclient and write a deterministic copy.

Used by packages/cli/src/notebook/notebook-runner.ts; not meant to be called by hand (but it can be):

    JUPYTER_PATH=<repo>/.jupyter python3 execute_notebook.py --input in.ipynb --output out.ipynb \
        --cwd notebooks --kernel casebook-tslab --timeout 600

Protocol with the caller:
  * stderr, one line per code cell as it starts:   cell <n>/<total>
  * stderr, once the kernel runs:                   kernel pid <pid>
  * stderr, as a cell's live progress line changes: progress <text>   (the text of a display the cell updates in
    place, e.g. "the gap at 512: round 2 · latest · httpx · measuring"; at most one per PROGRESS_MIN_S)
  * on failure, a human-readable report on stderr (failing cell, its source, the text of all its outputs:
    tslab writes errors to stderr only, so nbclient's own message is empty) and, with --error-report, the same
    as JSON; exit status 1. Nothing is written to --output.
  * on success, --output holds the executed notebook (nbformat JSON, indent 1, trailing newline): execution
    counts nulled, timing metadata stripped, consecutive stream outputs coalesced; exit status 0.
  * with --watch-stdin, end of file on stdin (the caller died or gave up) kills the kernel's process group and
    exits with status 130. SIGTERM and SIGINT do the same.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import threading
import time

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
except ImportError as exc:  # pragma: no cover - environment problem, reported to the caller
    print(
        "execute_notebook.py: this Python cannot import nbclient/nbformat (%s): %s\n"
        "Run `npm run bootstrap` (or set CASEBOOK_PYTHON to a Python that has them)." % (sys.executable, exc),
        file=sys.stderr,
    )
    sys.exit(2)

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SOURCE_PREVIEW_LINES = 15
MAX_OUTPUT_CHARS = 20000

# Live progress lines are forwarded to the caller's terminal at most this often: enough to see a run is alive and
# where it is, without flooding a CI log.
PROGRESS_MIN_S = 2.0

# Cell metadata that records when or how long something ran: never part of a reproducible notebook.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "papermill")
VOLATILE_NOTEBOOK_METADATA = ("papermill", "widgets")


def eprint(*args):
    print(*args, file=sys.stderr, flush=True)


def strip_ansi(text):
    return ANSI_RE.sub("", text)


def as_text(value):
    if isinstance(value, list):
        return "".join(value)
    return value if isinstance(value, str) else ""


def outputs_text(outputs):
    """The text of every output, in order, as a reader would want it in an error message."""
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append("[%s]\n%s" % (out.get("name", "stream"), as_text(out.get("text"))))
        elif kind == "error":
            tb = "\n".join(out.get("traceback") or [])
            parts.append("[error] %s: %s\n%s" % (out.get("ename", ""), out.get("evalue", ""), tb))
        elif kind in ("display_data", "execute_result"):
            data = out.get("data") or {}
            if "text/plain" in data:
                parts.append("[%s]\n%s" % (kind, as_text(data["text/plain"])))
            else:
                parts.append("[%s] %s" % (kind, ", ".join(sorted(data))))
    text = strip_ansi("\n".join(p.rstrip("\n") for p in parts))
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n... (truncated)"
    return text


def collapse_carriage_returns(text):
    """Terminal semantics for progress lines: keep what follows the last carriage return of each line."""
    text = text.replace("\r\n", "\n")
    if "\r" not in text:
        return text
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def coalesce_streams(outputs):
    """Merge consecutive stream outputs of the same name, so chunking by the kernel does not show in the file."""
    merged = []
    for out in outputs:
        if (
            out.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1].get("name") == out.get("name")
        ):
            merged[-1]["text"] = as_text(merged[-1].get("text")) + as_text(out.get("text"))
        else:
            if out.get("output_type") == "stream":
                out["text"] = as_text(out.get("text"))
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream":
            out["text"] = collapse_carriage_returns(out["text"])
    return merged


def normalize(nb):
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = None
        cell.outputs = coalesce_streams(cell.outputs)
    return nb


class ProgressClient(NotebookClient):
    """Forwards the text of displays a cell updates in place (the Study SDK's live progress lines) to stderr, so the
    terminal shows the same progress as the notebook (under `casebook run` and `npm start`)."""

    last_progress_s = 0.0

    def process_message(self, msg, cell, cell_index):
        result = super().process_message(msg, cell, cell_index)
        kind = msg.get("msg_type")
        content = msg.get("content") or {}
        # Only displays updated in place (they carry a display_id): tables and charts are not progress.
        in_place = kind == "update_display_data" or (
            kind == "display_data" and (content.get("transient") or {}).get("display_id") is not None
        )
        if in_place:
            lines = strip_ansi(as_text((content.get("data") or {}).get("text/plain"))).strip().splitlines()
            now = time.monotonic()
            if lines and now - self.last_progress_s >= PROGRESS_MIN_S:
                self.last_progress_s = now
                eprint("progress %s" % lines[-1][:200])
        return result


def report_failure(kind, message, nb, failing, total, report_path):
    index, ordinal = failing if failing else (None, None)
    cell = nb.cells[index] if index is not None else None
    source = as_text(cell.source) if cell is not None else ""
    text = outputs_text(cell.outputs) if cell is not None and cell.cell_type == "code" else ""
    lines = source.splitlines()
    preview = "\n".join(lines[:SOURCE_PREVIEW_LINES])
    if len(lines) > SOURCE_PREVIEW_LINES:
        preview += "\n... (%d more lines)" % (len(lines) - SOURCE_PREVIEW_LINES)

    where = "code cell %s/%s (notebook cell index %s)" % (ordinal, total, index) if cell is not None else "startup"
    eprint("---- notebook failed: %s in %s ----" % (kind, where))
    if message:
        eprint(strip_ansi(message).strip())
    if cell is not None:
        eprint("---- cell source ----")
        eprint(preview)
        eprint("---- cell outputs ----")
        eprint(text if text else "(no output)")
    eprint("---- end of report ----")

    if report_path:
        report = {
            "kind": kind,
            "message": strip_ansi(message or "").strip(),
            "cellIndex": index,
            "cellOrdinal": ordinal,
            "codeCellTotal": total,
            "source": preview,
            "outputText": text,
        }
        with open(report_path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--cwd", help="kernel working directory (default: the input's folder)")
    ap.add_argument("--kernel", default="casebook-tslab")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per cell (<= 0: none)")
    ap.add_argument("--startup-timeout", type=float, default=60)
    ap.add_argument("--error-report", help="write a JSON failure report here")
    ap.add_argument("--watch-stdin", action="store_true")
    args = ap.parse_args(argv)

    nb = nbformat.read(args.input, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and as_text(c.source).strip()]
    total = len(code_cells)
    state = {"failing": None, "ordinal": 0}

    def on_cell_execute(cell, cell_index, **_):
        state["ordinal"] += 1
        state["failing"] = (cell_index, state["ordinal"])
        eprint("cell %d/%d" % (state["ordinal"], total))

    client = ProgressClient(
        nb,
        kernel_name=args.kernel,
        timeout=int(args.timeout) if args.timeout and args.timeout > 0 else None,
        startup_timeout=int(args.startup_timeout),
        record_timing=False,
        shutdown_kernel="immediate",  # SIGKILL to the kernel's process group: no orphaned child processes
        allow_errors=False,
        resources={"metadata": {"path": os.path.abspath(args.cwd or os.path.dirname(os.path.abspath(args.input)))}},
        on_cell_execute=on_cell_execute,
    )

    kill_lock = threading.Lock()

    def kill_now(code=130):
        """Kill the kernel's process group (kernel plus anything it spawned) and leave at once."""
        with kill_lock:
            km = client.km
            provisioner = getattr(km, "provisioner", None) if km is not None else None
            process = getattr(provisioner, "process", None)
            if process is not None:
                pgid = getattr(provisioner, "pgid", None)
                try:
                    if pgid and hasattr(os, "killpg") and pgid != os.getpgrp():
                        os.killpg(pgid, signal.SIGKILL)
                    else:
                        process.kill()
                except OSError:
                    pass
            try:
                if km is not None:
                    km.cleanup_connection_file()
            except Exception:
                pass
            eprint("execute_notebook.py: stopped (kernel killed)")
            os._exit(code)

    def on_notebook_start(**_):
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is not None:
            eprint("kernel pid %d" % process.pid)
        # nbclient installs handlers that shut the kernel down politely and carry on; we want it gone now.
        try:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, kill_now, 143)
            loop.add_signal_handler(signal.SIGINT, kill_now, 130)
        except (RuntimeError, NotImplementedError, AttributeError):
            pass

    client.on_notebook_start = on_notebook_start

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, lambda *_: kill_now(143))

    if args.watch_stdin:

        def watch():
            # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader aborts interpreter shutdown.
            try:
                fd = sys.stdin.fileno()
                while os.read(fd, 65536):
                    pass
            except Exception:
                pass
            kill_now(130)

        threading.Thread(target=watch, name="stdin-watch", daemon=True).start()

    try:
        asyncio.run(client.async_execute())
    except CellTimeoutError as exc:
        message = "the cell ran longer than the per-cell timeout of %g s" % args.timeout
        report_failure("timeout", message, nb, state["failing"], total, args.error_report)
        return 1
    except CellExecutionError as exc:
        # tslab leaves ename/evalue empty (nbclient shows "<Error>:"); the cell's outputs carry the real error.
        ename = getattr(exc, "ename", "") or ""
        evalue = getattr(exc, "evalue", "") or ""
        message = ("%s: %s" % (ename, evalue)).strip(": ") if ename not in ("", "<Error>") or evalue else ""
        report_failure("error", message, nb, state["failing"], total, args.error_report)
        return 1
    except DeadKernelError as exc:
        report_failure("dead-kernel", "the kernel died: %s" % exc, nb, state["failing"], total, args.error_report)
        return 1
    except Exception as exc:  # kernel failed to start, zmq trouble, bad kernelspec...
        failing = state["failing"]
        report_failure(
            "runner", "%s: %s" % (type(exc).__name__, exc), nb, failing, total, args.error_report
        )
        return 1

    normalize(nb)
    tmp = args.output + ".partial"
    nbformat.write(nb, tmp, version=4)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
