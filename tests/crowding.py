"""How many calls run at once: each call to `Crowding.run` takes a while in its thread."""

import threading
import time


class Crowding:
    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.running = self.most = 0
        self._lock = threading.Lock()

    def run(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
