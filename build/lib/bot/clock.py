"""The `Clock` type: how the core is told the time.

The core never reads the clock itself; whoever composes it (app/, an adapter's runner, a test)
passes a `Clock` (usually `lambda: datetime.now(UTC)`, a fixed time in tests and the demo).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
