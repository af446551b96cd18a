"""How many calls run at once: each call to `Crowding.run` takes a while in its thread."""

import threading
import time


class Crowding:
    def __init__(self) -> None:
        self.running = self.most = 0
        self._lock = threading.Lock()

    def run(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
