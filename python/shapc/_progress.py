"""_progress - the progress bar of long explanations and the cancellation check.

The library calls the progress callback after each row and between chunks of model
evaluations (kernel.h). The callback draws a bar - tqdm when importable, else one line on
stderr (rewritten in place on a terminal) - once the run has lasted `delay` seconds, and
returns nonzero to cancel the C call (SHAPC_ECANCELED) when asked to stop: by a
KeyboardInterrupt raised inside it (Python f on the calling thread) or by Progress.cancel()
(native models, whose C call runs on a helper thread while the calling thread waits for
Ctrl-C).
"""
import sys
import threading
import time



DELAY = 1.0  # seconds before a bar appears: short runs stay quiet


class Progress:
    def __init__(self, total, silent=False, delay=None, stream=None):
        self.total, self.silent = total, silent
        self.delay = DELAY if delay is None else delay
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.done = 0
        self.exception = None
        self._cancel = threading.Event()
        self._bar = None
        self._line = False
        self._last_draw = 0.0

    def cancel(self):
        self._cancel.set()

    def _callback(self, user, rows_done, rows_total):
        # Every exception is kept (KeyboardInterrupt included) and cancels the C call.
        try:
            if self._cancel.is_set() or self.exception is not None:
                return 1
            self.done = rows_done
            if not self.silent:
                self._draw(rows_done)
            return 0
        except BaseException as e:  # noqa: B902 - re-raised by the explainer
            self.exception = e
            return 1

    def _draw(self, done):
        now = time.monotonic()
        if self._bar is None and not self._line and now - self.start < self.delay:
            return
        if self._bar is None and not self._line:
            try:
                from tqdm.auto import tqdm
                self._bar = tqdm(total=self.total, unit="row", desc="shapc", file=self.stream,
                                 initial=done)
                return
            except ImportError:
                self._line = True
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            return
        # a terminal gets one line redrawn in place; a log file a line every 5 s
        tty = getattr(self.stream, "isatty", lambda: False)()
        if now - self._last_draw < (0.2 if tty else 5.0) and done < self.total:
            return
        self._last_draw = now
        el = now - self.start
        eta = "%.0f s" % (el / done * (self.total - done)) if done else "?"
        line = "shapc: %d/%d rows, %.1f s, ETA %s" % (done, self.total, el, eta)
        self.stream.write("\r" + line + "   " if tty else line + "\n")
        self.stream.flush()
        self._tty = tty

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._line:
            if getattr(self, "_tty", False):
                self.stream.write("\n")
                self.stream.flush()
            self._line = False
