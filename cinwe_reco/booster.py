"""Scoring with LightGBM's C library directly, without importing the ``lightgbm`` package.

The ``lightgbm`` Python package imports scikit-learn, pandas and scipy when it loads (about a
second on a small machine), while scoring a saved model needs only the booster. ``NativeBooster``
loads ``lib_lightgbm`` from the installed package's folder with ctypes and calls the three C API
functions scoring needs. The model is the same text file, so scores are identical to
``lightgbm.Booster.predict``; training still uses the ``lightgbm`` package.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import threading
from pathlib import Path

import numpy as np

C_API_DTYPE_FLOAT64 = 1
C_API_PREDICT_NORMAL = 0
C_API_PREDICT_CONTRIB = 3

_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


class NativeBoosterError(Exception):
    """LightGBM's C library is missing or refused the model."""


def _library_path() -> Path | None:
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    name = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(
        sys.platform, "lib_lightgbm.so")
    for candidate in (folder / "lib" / name, folder / name, folder / "bin" / name):
        if candidate.is_file():
            return candidate
    return None


def _load_library() -> ctypes.CDLL:
    global _lib
    with _lib_lock:
        if _lib is None:
            path = _library_path()
            if path is None:
                raise NativeBoosterError("LightGBM's shared library was not found")
            try:
                lib = ctypes.cdll.LoadLibrary(str(path))
            except OSError as exc:
                raise NativeBoosterError(f"cannot load {path}: {exc}") from None
            lib.LGBM_GetLastError.restype = ctypes.c_char_p
            _lib = lib
        return _lib


def _check(code: int) -> None:
    if code != 0:
        message = _load_library().LGBM_GetLastError()
        raise NativeBoosterError(message.decode("utf-8", "replace") if message else "error")


class NativeBooster:
    """A LightGBM booster loaded from its text form; ``predict`` as ``lightgbm.Booster``'s."""

    def __init__(self, model_str: str) -> None:
        self._lib = _load_library()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(self._lib.LGBM_BoosterLoadModelFromString(
            ctypes.c_char_p(model_str.encode("utf-8")), ctypes.byref(iterations),
            ctypes.byref(self._handle)))
        n = ctypes.c_int(0)
        _check(self._lib.LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(n)))
        self._num_feature = n.value

    def num_feature(self) -> int:
        """Number of features the booster was trained on."""
        return self._num_feature

    def predict(self, X: np.ndarray, pred_contrib: bool = False, num_threads: int = 1
                ) -> np.ndarray:
        """Raw scores (n,), or SHAP contributions (n, features + 1) with ``pred_contrib``."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self._num_feature:
            raise NativeBoosterError(f"expected a matrix with {self._num_feature} columns, "
                                     f"got shape {X.shape}")
        nrow = X.shape[0]
        width = self._num_feature + 1 if pred_contrib else 1
        out = np.empty(nrow * width, dtype=np.float64)
        if nrow == 0:
            return out.reshape(0, width) if pred_contrib else out
        out_len = ctypes.c_int64(0)
        params = f"num_threads={int(num_threads)}".encode()
        _check(self._lib.LGBM_BoosterPredictForMat(
            self._handle, X.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(C_API_DTYPE_FLOAT64),
            ctypes.c_int32(nrow), ctypes.c_int32(X.shape[1]), ctypes.c_int(1),
            ctypes.c_int(C_API_PREDICT_CONTRIB if pred_contrib else C_API_PREDICT_NORMAL),
            ctypes.c_int(0), ctypes.c_int(-1), ctypes.c_char_p(params),
            ctypes.byref(out_len), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if out_len.value != nrow * width:
            raise NativeBoosterError(f"LightGBM returned {out_len.value} values, expected "
                                     f"{nrow * width}")
        return out.reshape(nrow, width) if pred_contrib else out

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._lib.LGBM_BoosterFree(handle)
            self._handle = None


def load_booster(model_str: str):
    """A booster for scoring: the native one, or ``lightgbm.Booster`` if the library is not
    where the package keeps it (an unusual install)."""
    try:
        return NativeBooster(model_str)
    except NativeBoosterError as exc:
        if _library_path() is not None and "cannot load" not in str(exc):
            raise  # the library loaded but refused the model: the model is bad
        import lightgbm

        return lightgbm.Booster(model_str=model_str)
