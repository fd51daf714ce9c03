"""Pure metric functions over event tables (pandas DataFrames with the app's telemetry columns).

Nothing here touches the database: the app, the simulator and the notebooks feed the same functions.
"""
from workbench.metrics.watch import completion_by_clip, completion_rate, rewatch_rate

__all__ = ["completion_by_clip", "completion_rate", "rewatch_rate"]
