"""Pure metric functions over event tables (pandas DataFrames with the app's telemetry columns).

Nothing here touches the database: the app, the simulator and the notebooks feed the same functions.
"""
from workbench.metrics.detection import (
    average_precision,
    detection_report,
    equal_error_rate,
    roc_auc,
    roc_curve,
)
from workbench.metrics.experiments import Difference, bootstrap_difference
from workbench.metrics.exposure import (
    cameo_exposure,
    slop_exposure,
    slop_exposure_by_viewer,
)
from workbench.metrics.remix import remix_rate, remix_trees, structural_virality
from workbench.metrics.summary import summary
from workbench.metrics.watch import (
    completion_by_clip,
    completion_by_duration,
    completion_rate,
    rewatch_rate,
    share_of_views_over,
)

__all__ = ["Difference", "average_precision", "bootstrap_difference", "cameo_exposure", "completion_by_clip",
           "completion_by_duration", "completion_rate", "detection_report", "equal_error_rate", "remix_rate",
           "remix_trees", "rewatch_rate", "roc_auc", "roc_curve", "share_of_views_over", "slop_exposure",
           "slop_exposure_by_viewer", "structural_virality", "summary"]
