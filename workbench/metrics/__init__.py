"""Pure metric functions over event tables (pandas DataFrames with the app's telemetry columns), and
the detection metrics (numpy arrays of labels and scores).

Nothing here touches the database: the app, the simulator and the notebooks feed the same functions.
Each name is imported from its module when first used (PEP 562), so that a process that only needs
the detection metrics, such as every upload's output scan, does not load pandas (about 90 MB).
"""
from importlib import import_module

#: every public name and the module of this package that defines it
_HOMES = {
    "Agreement": "rater_agreement", "agreement": "rater_agreement", "cohen_kappa": "rater_agreement",
    "average_precision": "detection", "detection_report": "detection", "equal_error_rate": "detection",
    "roc_auc": "detection", "roc_curve": "detection",
    "Calibration": "calibration", "expected_calibration_error": "calibration", "fit_calibration": "calibration",
    "reliability": "calibration",
    "Difference": "experiments", "bootstrap_difference": "experiments",
    "ESTIMATORS": "ope", "Estimate": "ope", "off_policy_value": "ope",
    "cameo_exposure": "exposure", "slop_exposure": "exposure", "slop_exposure_by_viewer": "exposure",
    "remix_rate": "remix", "remix_trees": "remix", "structural_virality": "remix",
    "summary": "run_summary",
    "completion_by_clip": "watch", "completion_by_duration": "watch", "completion_rate": "watch",
    "rewatch_rate": "watch", "share_of_views_over": "watch",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
