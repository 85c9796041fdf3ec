"""A small text progress bar for management commands (stderr, redrawn in place)."""

import time


class ProgressBar:
    """Callable as ``bar(stage, done, total)``; redraws at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.stage = None
        self.last_draw = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self.stage:
            if self.stage is not None:
                self.stream.write("\n")
            self.stage = stage
        elif done < total and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        filled = self.WIDTH * done // max(total, 1)
        percent = 100 * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{stage:<14} [{bar}] {percent:3d}% {done}/{total}", ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.stage is not None:
            self.stream.write("\n")
