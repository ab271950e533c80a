"""Anomaly detection: NaN checks in backward, and where the failing forward op was created."""

import os
import traceback
import warnings

_enabled = False
_check_nan = True

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.")


def capture_stack():
    """The user's frames of the forward call stack (ember's own frames left out), kept on a node
    while anomaly mode is on, in the format torch prints."""
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(_EMBER_DIR)]
    return "".join(traceback.format_list(frames))


def is_anomaly_enabled():
    return _enabled


def is_anomaly_check_nan_enabled():
    return _check_nan


def _set(mode, check_nan):
    global _enabled, _check_nan
    if mode:
        warnings.warn(_WARNING, UserWarning, stacklevel=3)
    _enabled, _check_nan = bool(mode), bool(check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off (function or context manager)."""

    def __init__(self, mode, check_nan=True):
        self.prev = (_enabled, _check_nan)
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled, _check_nan
        _enabled, _check_nan = self.prev


class detect_anomaly:
    """Context manager that enables anomaly detection for the autograd engine: a backward that
    returns NaN raises, and an error in backward warns with the forward call's traceback."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn(_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        global _enabled, _check_nan
        self.prev = (_enabled, _check_nan)
        _enabled, _check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        global _enabled, _check_nan
        _enabled, _check_nan = self.prev
