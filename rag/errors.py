"""Errors the user can act on. Each message says what to do; the CLI prints it as one line."""


class RagError(Exception):
    """Base class: an error whose message is fit to show a user as it is."""

    exit_code = 1
    http_status = 500
    code = "internal_error"


class InputError(RagError):
    """The user's input (a question, a file, a flag) is not usable."""

    exit_code = 2
    http_status = 400
    code = "bad_request"


class InputTooLargeError(InputError):
    """A question or an upload is over its size limit."""

    http_status = 413
    code = "too_large"


class NotFoundError(RagError):
    """A document or other named thing does not exist."""

    exit_code = 2
    http_status = 404
    code = "not_found"


class IndexMismatchError(RagError):
    """The index was built with another embedding model or chunking settings."""

    exit_code = 3
    http_status = 503
    code = "index_mismatch"


class IndexLockedError(RagError):
    """Another process is writing to the same index."""

    exit_code = 4
    http_status = 503
    code = "index_locked"


class StoreUnavailableError(RagError):
    """The vector store (for example a Chroma server) cannot be reached."""

    exit_code = 5
    http_status = 503
    code = "store_unavailable"


class ProviderError(RagError):
    """The LLM provider failed (timeout, refused connection, HTTP error, bad output)."""

    exit_code = 6
    http_status = 503
    code = "provider_error"


class ConfigError(RagError):
    """A setting, config file or environment variable is invalid."""

    exit_code = 2
    http_status = 500
    code = "config_error"


class ModelFileError(ProviderError):
    """The local model's files are missing, unreadable or fail their SHA-256 check."""

    code = "model_files"


class ProviderBusyError(ProviderError):
    """The local model's queue is full, or a request would wait past its budget."""

    code = "provider_busy"
