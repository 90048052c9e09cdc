"""Running offline: switches that keep the libraries from phoning home (applied before they
are imported), and the cache folder for files made once from the installed packages."""

import os
import sys
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TQDM_DISABLE": "1",
}


# Modules kept from importing (a None entry in sys.modules makes ``import`` raise
# ImportError). openvino reports usage to Google Analytics when it is imported and when it
# converts a model, unless a consent file in the user's home says no; without its telemetry
# package it uses its own no-op stub.
BLOCKED_MODULES = ("openvino_telemetry",)


def apply_offline_env() -> None:
    """Set the offline switches unless the user already chose a value, and keep the
    libraries' usage-reporting modules from loading."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    for name in BLOCKED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/rag/<name>`` (``~/.cache/rag/<name>`` by default): where files made
    once from the installed packages (a joined model, a converted one) are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag" / name
