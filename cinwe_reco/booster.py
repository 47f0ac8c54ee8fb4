"""Scoring with LightGBM's C library directly, without importing the ``lightgbm`` package.

The ``lightgbm`` Python package imports scikit-learn, pandas and scipy when it loads (about a
second on a small machine), while scoring a saved model needs only the booster. ``NativeBooster``
loads ``lib_lightgbm`` from the installed package's folder with ctypes and calls the three C API
functions scoring needs. The model is the same text file, so scores are identical to
``lightgbm.Booster.predict``; training still uses the ``lightgbm`` package.

Nothing reaches the C library unchecked: ``load_booster`` passes the text through the strict
reader of ``model_file`` first; every C function has its argument and return types declared; the
output buffer is sized by ``LGBM_BoosterCalcNumPredict``; and each booster serialises its calls
with its own lock (LightGBM's C API notes that setting up a predictor writes into the shared
booster, so two threads predicting at once on one handle are not safe).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import threading
from pathlib import Path

import numpy as np

from .errors import ModelError

C_API_DTYPE_FLOAT64 = 1
C_API_PREDICT_NORMAL = 0
C_API_PREDICT_CONTRIB = 3

_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


class NativeBoosterError(ModelError):
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
            _declare(lib)
            _lib = lib
        return _lib


_c_int_p = ctypes.POINTER(ctypes.c_int)
_c_int64_p = ctypes.POINTER(ctypes.c_int64)
_c_double_p = ctypes.POINTER(ctypes.c_double)
# (name, argument types, return type) of every C function this module calls (LightGBM 4 c_api.h)
_SIGNATURES = (
    ("LGBM_GetLastError", [], ctypes.c_char_p),
    ("LGBM_BoosterLoadModelFromString",
     [ctypes.c_char_p, _c_int_p, ctypes.POINTER(ctypes.c_void_p)], ctypes.c_int),
    ("LGBM_BoosterGetNumFeature", [ctypes.c_void_p, _c_int_p], ctypes.c_int),
    ("LGBM_BoosterCalcNumPredict",
     [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, _c_int64_p],
     ctypes.c_int),
    ("LGBM_BoosterPredictForMat",
     [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int32, ctypes.c_int32,
      ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, _c_int64_p,
      _c_double_p], ctypes.c_int),
    ("LGBM_BoosterFree", [ctypes.c_void_p], ctypes.c_int),
)


def _declare(lib: ctypes.CDLL) -> None:
    for name, argtypes, restype in _SIGNATURES:
        try:
            func = getattr(lib, name)
        except AttributeError:
            raise NativeBoosterError(f"cannot load LightGBM: its library lacks {name}") from None
        func.argtypes = argtypes
        func.restype = restype


def _check(code: int) -> None:
    if code != 0:
        message = _load_library().LGBM_GetLastError()
        raise NativeBoosterError(message.decode("utf-8", "replace") if message else "error")


class NativeBooster:
    """A LightGBM booster loaded from its text form; ``predict`` as ``lightgbm.Booster``'s.

    Build it with ``load_booster``, which checks the text first. Calls on one booster are
    serialised by its lock, so it can be shared by threads.
    """

    def __init__(self, model_str: str) -> None:
        self._lib = _load_library()
        self._lock = threading.Lock()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(self._lib.LGBM_BoosterLoadModelFromString(
            model_str.encode("utf-8"), ctypes.byref(iterations), ctypes.byref(self._handle)))
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
        if nrow > 2**31 - 1:
            raise NativeBoosterError(f"{nrow:,} rows: more than LightGBM takes in one call")
        width = self._num_feature + 1 if pred_contrib else 1
        if nrow == 0:
            out = np.empty(0, dtype=np.float64)
            return out.reshape(0, width) if pred_contrib else out
        kind = C_API_PREDICT_CONTRIB if pred_contrib else C_API_PREDICT_NORMAL
        params = f"num_threads={max(1, int(num_threads))}".encode()
        with self._lock:
            if not self._handle:
                raise NativeBoosterError("the booster was freed")
            needed = ctypes.c_int64(0)
            _check(self._lib.LGBM_BoosterCalcNumPredict(
                self._handle, nrow, kind, 0, -1, ctypes.byref(needed)))
            if needed.value != nrow * width:
                raise NativeBoosterError(f"LightGBM needs {needed.value} values for {nrow} "
                                         f"rows, expected {nrow * width}")
            out = np.empty(needed.value, dtype=np.float64)
            out_len = ctypes.c_int64(0)
            _check(self._lib.LGBM_BoosterPredictForMat(
                self._handle, X.ctypes.data_as(ctypes.c_void_p), C_API_DTYPE_FLOAT64,
                nrow, X.shape[1], 1, kind, 0, -1, params, ctypes.byref(out_len),
                out.ctypes.data_as(_c_double_p)))
        if out_len.value != needed.value:
            raise NativeBoosterError(f"LightGBM returned {out_len.value} values, expected "
                                     f"{needed.value}")
        return out.reshape(nrow, width) if pred_contrib else out

    def __del__(self) -> None:
        lock = getattr(self, "_lock", None)
        handle = getattr(self, "_handle", None)
        if lock is None or handle is None:
            return
        with lock:
            if handle.value:
                self._lib.LGBM_BoosterFree(handle)
            self._handle = None  # at interpreter exit ctypes itself may already be gone


def load_booster(model_str: str, num_features: int, source: str = "model.txt"):
    """A booster for scoring, from a text model checked first by ``model_file`` (``ModelError``
    naming ``source`` when it is not sound): the native one, or ``lightgbm.Booster`` if the
    library is not where the package keeps it (an unusual install)."""
    from .model_file import check_model_text

    check_model_text(model_str, num_features, source)  # before any byte reaches the C library
    try:
        return NativeBooster(model_str)
    except NativeBoosterError as exc:
        if _library_path() is not None and "cannot load" not in str(exc):
            raise  # the library loaded but refused the model: the model is bad
        import lightgbm

        return _LockedBooster(lightgbm.Booster(model_str=model_str))


class _LockedBooster:
    """``lightgbm.Booster`` with its calls serialised, as ``NativeBooster``'s are."""

    def __init__(self, booster) -> None:
        self._booster = booster
        self._lock = threading.Lock()

    def num_feature(self) -> int:
        return self._booster.num_feature()

    def predict(self, X: np.ndarray, pred_contrib: bool = False, num_threads: int = 1
                ) -> np.ndarray:
        with self._lock:
            return self._booster.predict(X, pred_contrib=pred_contrib, num_threads=num_threads)
